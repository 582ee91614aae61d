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

  it("delays every Management API answer by --latency-ms on a timer: requests in flight wait together", async () => {
    const out = await startCli(["--port", "0", "--latency-ms", "300", "--jitter-ms", "0"]);
    expect(out).toContain("latency:             300 ms ± 0 ms per Management API request");
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const line = (name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(out)![1]!;
    const token = await fetchManagementToken({
      tenantUrl: url,
      clientId: line("mgmt client id"),
      clientSecret: line("mgmt client secret"),
    });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(`${url}/api/v2/connections`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, ms: Date.now() - started };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    // Each one took the latency; eight of them together did not take eight latencies (no blocked event loop).
    for (const a of answers) expect(a.ms).toBeGreaterThanOrEqual(295);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(8 * 300);
  });

  it("refuses a latency that is not a whole number of milliseconds", async () => {
    await expect(startCli(["--latency-ms", "soon"])).rejects.toThrow(
      /exited with 2.*--latency-ms must be a whole number of milliseconds 0..60000, got soon/s,
    );
  });

  it("refuses an unknown rate-limit preset with a usage message", async () => {
    await expect(startCli(["--rate-limit", "platinum"])).rejects.toThrow(
      /exited with 2.*--rate-limit must be one of free, enterprise, off/s,
    );
  });
});
