import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { fetchManagementToken } from "../../local-tenant/management-token";

let child: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

function startCli(args: string[], env: Record<string, string> = {}): Promise<string> {
  child = spawn(process.execPath, ["--import", "tsx", "local-tenant/cli.ts", ...args], {
    env: { ...process.env, ...env },
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child!.once("exit", (code) => reject(new Error(`cli exited with ${code}: ${out}`)));
    child!.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("rate limit:")) resolve(out);
    });
    child!.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  });
}

describe("npm run local-tenant", () => {
  it("prints its URL and the Management credentials from the environment, serves them, and closes on Ctrl-C", async () => {
    const out = await startCli(["--port", "0", "--rate-limit", "free"], {
      LOCAL_TENANT_MGMT_CLIENT_ID: "CliMgmtClient000000000000000001",
      LOCAL_TENANT_MGMT_CLIENT_SECRET: "cli-secret",
    });
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toContain("mgmt client id:      CliMgmtClient000000000000000001");
    expect(out).toContain("mgmt client secret:  cli-secret");

    const access_token = await fetchManagementToken({
      tenantUrl: url,
      clientId: "CliMgmtClient000000000000000001",
      clientSecret: "cli-secret",
    });
    const res = await fetch(`${url}/api/v2/connections`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("2");

    const exited = new Promise<number | null>((resolve) => child!.once("exit", resolve));
    child!.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("refuses an unknown rate-limit preset with a usage message", async () => {
    await expect(startCli(["--rate-limit", "platinum"])).rejects.toThrow(
      /exited with 2.*--rate-limit must be one of free, enterprise, off/s,
    );
  });
});
