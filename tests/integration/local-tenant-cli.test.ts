import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { readManagementCredentials } from "../../local-tenant/management-credentials";
import { fetchManagementToken } from "../../local-tenant/management-token";

let child: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

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

async function stopCli(): Promise<void> {
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child!.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child!.kill("SIGINT");
  // A signal here would mean Ctrl-C was not handled: the CLI registers its handlers before its last line.
  expect(await exited).toEqual({ code: 0, signal: null });
}

/** The file the console points to for the Management client's secret. */
const credentialsFileIn = (out: string) => /mgmt client secret:.*?\bin (\S+\.json)/.exec(out)![1]!;
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("npm run local-tenant", () => {
  it("takes the Management credentials from the environment, says so without printing the secret, serves them, and closes on Ctrl-C", async () => {
    const out = await startCli(["--port", "0", "--rate-limit", "free"], {
      LOCAL_TENANT_MGMT_CLIENT_ID: "CliMgmtClient000000000000000001",
      LOCAL_TENANT_MGMT_CLIENT_SECRET: "cli-secret",
    });
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toContain("mgmt client id:      CliMgmtClient000000000000000001");
    expect(out).toContain("mgmt client secret:  from LOCAL_TENANT_MGMT_CLIENT_SECRET");
    expect(out).not.toContain("cli-secret");
    // State in memory: the credentials file is in a private temporary directory, gone at Ctrl-C.
    const file = credentialsFileIn(out);
    expect(modeOf(file)).toBe(0o600);
    expect(readManagementCredentials(file).client_secret).toBe("cli-secret");

    const access_token = await fetchManagementToken({
      tenantUrl: url,
      clientId: "CliMgmtClient000000000000000001",
      clientSecret: "cli-secret",
    });
    const res = await fetch(`${url}/api/v2/connections`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("2");

    await stopCli();
    expect(existsSync(file)).toBe(false);
  });

  it("writes the Management credentials beside --data-dir's state, readable only by the user, and never prints the secret", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "local-tenant-cli-"));
    dirs.push(dataDir);
    const first = await startCli(["--port", "0", "--data-dir", dataDir], {
      LOCAL_TENANT_MGMT_CLIENT_SECRET: "first-cli-secret",
    });
    const file = join(dataDir, "management-client.json");
    expect(first).toContain(`mgmt client secret:  from LOCAL_TENANT_MGMT_CLIENT_SECRET (also in ${file})`);
    expect(first).not.toContain("first-cli-secret");
    expect(modeOf(file)).toBe(0o600);
    // The tenant's saved state holds every application's secret: private too.
    expect(modeOf(join(dataDir, "tenant.json"))).toBe(0o600);
    await stopCli();
    expect(existsSync(file)).toBe(true);

    // Files left readable by others (by an older version, or by hand) are made private again.
    chmodSync(file, 0o644);
    chmodSync(join(dataDir, "tenant.json"), 0o644);
    // The saved state keeps the secret it was created with: the console says the variable is not used.
    const second = await startCli(["--port", "0", "--data-dir", dataDir], {
      LOCAL_TENANT_MGMT_CLIENT_SECRET: "second-cli-secret",
    });
    expect(second).toContain(`mgmt client secret:  in ${file} (not LOCAL_TENANT_MGMT_CLIENT_SECRET`);
    expect(second).not.toContain("first-cli-secret");
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(dataDir, "tenant.json"))).toBe(0o600);
    const credentials = readManagementCredentials(file);
    expect(credentials.client_secret).toBe("first-cli-secret");
    const url = /listening on (http:\/\/\S+)/.exec(second)![1]!;
    const token = await fetchManagementToken({
      tenantUrl: url,
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
    });
    expect(token).toBeTruthy();
    await stopCli();
  });

  it("delays every Management API answer by --latency-ms on a timer: requests in flight wait together", async () => {
    const out = await startCli(["--port", "0", "--latency-ms", "300", "--jitter-ms", "0"]);
    expect(out).toContain("latency:             300 ms ± 0 ms per Management API request");
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const credentials = readManagementCredentials(credentialsFileIn(out));
    expect(out).toContain(`mgmt client id:      ${credentials.client_id}`);
    expect(out).not.toContain(credentials.client_secret);
    const token = await fetchManagementToken({
      tenantUrl: url,
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
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
    await stopCli();
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
