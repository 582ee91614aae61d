import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getDb } from "~/services/platform/db.server";
import { REAL_TENANT_ENV } from "~/services/platform/env.fixtures";
import { getSecretsKey, resetSecretsKeyForTests } from "~/services/platform/secrets.server";
import { readManagementCredentials } from "../../local-tenant/management-credentials";
import { fetchManagementToken } from "../../local-tenant/management-token";
import type { TenantState } from "../../local-tenant/store";
import { startPortal } from "../../server/portal";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const ROOT = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function runStart(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 90_000,
  });
}

// Each test starts a real process or a real database on disk: cold starts take seconds on a busy machine.
describe("npm start configuration errors", { timeout: 120_000 }, () => {
  it("stops with a message naming a malformed DATABASE_URL", () => {
    const result = runStart({ DATABASE_URL: "not-a-url" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("DATABASE_URL must be a PostgreSQL URL");
    expect(result.stdout).not.toContain("is running");
  });

  it("stops with a message naming SESSION_SECRET when a real tenant is configured without one", () => {
    const { SESSION_SECRET: _, ...withoutSessionSecret } = REAL_TENANT_ENV;
    const result = runStart({
      ...withoutSessionSecret,
      AUTH0_MGMT_CLIENT_SECRET: "must-not-be-printed",
      AUTH0_PORTAL_CLIENT_SECRET: "must-not-be-printed",
      AUTH0_TEST_CLIENT_SECRET: "must-not-be-printed",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/SESSION_SECRET is required with AUTH0_DOMAIN/);
    expect(result.stderr + result.stdout).not.toContain("must-not-be-printed");
  });
});

describe("the portal server", () => {
  it("keeps its data across a restart and echoes the caller's request id", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "portal-restart-"));
    dirs.push(dataDir);
    const first = await startPortal({ port: 0, database: { engine: "pglite", dataDir } });
    const db = await getDb();
    await db.insertInto("organizations").values({ slug: "initech", name: "Initech", auth0_org_id: null }).execute();
    const response = await fetch(`${first.url}/healthz`, { headers: { "x-request-id": "trace-42" } });
    expect(response.headers.get("x-request-id")).toBe("trace-42");
    expect(response.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    // Local mode without SECRETS_KEY: queued secrets are sealed with a key kept next to the data.
    const key = getSecretsKey();
    expect(statSync(join(dataDir, "secrets.key")).mode & 0o777).toBe(0o600);
    await first.close();
    resetSecretsKeyForTests(); // as a new process would start

    const second = await startPortal({ port: 0, database: { engine: "pglite", dataDir } });
    const orgs = await (await getDb()).selectFrom("organizations").select("slug").execute();
    expect(orgs.map((o) => o.slug)).toContain("initech");
    const ready = await fetch(`${second.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(getSecretsKey().id).toBe(key.id);
    await second.close();
    resetSecretsKeyForTests();
    // Two PGlite databases on disk opened and migrated one after the other: seconds each on a busy machine.
  }, 120_000);

  it("answers 503 with Retry-After while it is still starting, instead of holding the request", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "portal-starting-"));
    dirs.push(dataDir);
    const port = await freePort();
    // Opening and migrating a fresh PGlite database takes a second or more: the listener is open
    // (the tenant needs the portal's URL) before the handler is ready.
    const starting = startPortal({ port, database: { engine: "pglite", dataDir } });
    let early: Response | undefined;
    for (let i = 0; i < 200 && !early; i++) {
      early = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).catch(
        () => undefined,
      );
      if (!early) await new Promise((r) => setTimeout(r, 5));
    }
    expect(early?.status).toBe(503);
    expect(early?.headers.get("retry-after")).toBe("1");
    const portal = await starting;
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
    await portal.close();
  });

  it("refuses an oversized request body before reading it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "portal-413-"));
    dirs.push(dataDir);
    const portal = await startPortal({ port: 0, database: { engine: "pglite", dataDir } });
    const response = await fetch(`${portal.url}/`, {
      method: "POST",
      body: "x".repeat(3 * 1024 * 1024),
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(413);
    await portal.close();
  });
});

/** This machine's first address that is not loopback, if it has one. */
function networkAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === "IPv4")?.address;
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

describe("npm start in local mode (security review 2026-12-06)", () => {
  it("listens on 127.0.0.1 only, says so, puts the demo IdPs on LOCAL_SAML_IDP_PORT / LOCAL_OIDC_IDP_PORT, and prints no secret", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "portal-npm-start-"));
    dirs.push(dataDir);
    const [port, tenantPort, samlPort, oidcPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/start.ts"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DATA_DIR: dataDir,
          PORT: String(port),
          LOCAL_TENANT_PORT: String(tenantPort),
          LOCAL_SAML_IDP_PORT: String(samlPort),
          LOCAL_OIDC_IDP_PORT: String(oidcPort),
          LOCAL_DEMO_PASSWORD: "demo-password-not-printed",
          LOG_LEVEL: "warn",
        } as unknown as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("Press Ctrl-C")) resolve();
        });
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
      });
      expect(out).toContain(`open http://localhost:${port}`);
      expect(out).toContain(`listening on 127.0.0.1:${port} (this machine only`);
      expect(await accepts("127.0.0.1", port)).toBe(true);
      const outside = networkAddress();
      if (outside) expect(await accepts(outside, port)).toBe(false);

      expect(out).toContain(`http://localhost:${samlPort}`);
      expect(out).toContain(`http://localhost:${oidcPort}`);
      expect((await fetch(`http://localhost:${samlPort}/metadata`)).status).toBe(200);
      expect((await fetch(`http://localhost:${oidcPort}/.well-known/openid-configuration`)).status).toBe(200);

      // No secret on the console: not the tenant's applications' (its saved state has them all),
      // not the demo password from the environment.
      const tenantState = JSON.parse(readFileSync(join(dataDir, "local-tenant", "tenant.json"), "utf8")) as TenantState;
      const secrets = [...tenantState.clients.map((c) => c.client_secret), "demo-password-not-printed"];
      for (const secret of secrets) expect(out).not.toContain(secret);
      expect(out).toContain("with the password in LOCAL_DEMO_PASSWORD");
      // The Management API credentials are in a file only the user can read, and they work.
      const file = join(dataDir, "local-tenant", "management-client.json");
      expect(out).toContain(`secret in ${file})`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const credentials = readManagementCredentials(file);
      expect(out).toContain(`Management API client id ${credentials.client_id}`);
      const token = await fetchManagementToken({
        tenantUrl: `http://localhost:${tenantPort}`,
        clientId: credentials.client_id,
        clientSecret: credentials.client_secret,
      });
      const connections = await fetch(`${credentials.management_api_url}/connections`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(connections.status).toBe(200);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    // A whole `npm start` (tsx, PGlite on disk, the tenant, two IdPs) from cold: slow on a loaded CI machine.
  }, 120_000);
});
