import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import { seedLocalMode } from "~/services/identity/local-seed.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { SCHEDULED_JOB_NAMES } from "~/services/monitoring/job-catalog";
import { installDatabase } from "~/services/platform/db.server";
import { DEFAULT_DEMO_PASSWORD } from "../../local-tenant/seed";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { HttpBrowser, hiddenInput } from "../../harness/http-browser";
import { call } from "../../harness/portal-requests";
import { localTenantConfig } from "../../server/local-tenant-config";
import { createOrganizations, desiredSaml, drained, samlOptions, systemScope } from "../support/apply-fixtures";
import { startHarness, type Harness } from "../support/local-tenant-contract";
import { startPortalProcess, type PortalProcess } from "../support/portal-process";
import { createTestDatabase, onPGlite, type TestDatabase } from "../support/test-database";

/**
 * Two portal instances — two processes, each with its own database pool, apply worker and
 * scheduler — on one PostgreSQL database and one local tenant (issue 16, "Scale, measured"):
 * scheduled jobs run once per period, each apply job reaches the tenant once and an
 * organization's writes never overlap, and a session made on one instance is valid on the other.
 *
 * PostgreSQL only (TEST_DATABASE_URL): PGlite is one in-process session that a second process
 * cannot open (in memory it is the test process's own; on disk it is one process's files).
 */

interface Write {
  method: string;
  path: string;
  status: number;
  name?: string;
  id?: string;
  token: string;
  start: number;
  end: number;
}

let database: TestDatabase;
let h: Harness;
let proxy: Server;
const writes: Write[] = [];
let one: PortalProcess;
let two: PortalProcess;
let orgs: ScopedOrganization[] = [];

/** A free port for instance 1, whose address the tenant's sign-in callback allow-list must know first. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The Management API as the instances reach it: through this recorder, which notes every write the tenant answers. */
async function startRecorder(target: URL): Promise<string> {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const start = performance.now();
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          const back: Buffer[] = [];
          answer.on("data", (c: Buffer) => back.push(c));
          answer.on("end", () => {
            const text = Buffer.concat(back);
            if (req.method !== "GET" && req.url?.startsWith("/api/v2/")) {
              const sent = safeJson(body.toString()) as { name?: string } | undefined;
              const got = safeJson(text.toString()) as { id?: string } | undefined;
              writes.push({
                method: req.method!,
                path: req.url.slice("/api/v2".length),
                status: answer.statusCode ?? 0,
                name: sent?.name,
                id: got?.id,
                token: String(req.headers.authorization ?? "").slice(-16),
                start,
                end: performance.now(),
              });
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
          });
        },
      );
      upstream.on("error", () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const describeOnPostgres = onPGlite ? describe.skip : describe;
const title = onPGlite
  ? "two portal instances on one database [skipped on PGlite: one in-process session a second process cannot open; runs on PostgreSQL]"
  : "two portal instances on one PostgreSQL database and one local tenant";

describeOnPostgres(title, () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    installDatabase(database);
    const port = await freePort();
    h = await startHarness({ portalUrl: `http://localhost:${port}`, rateLimit: "off" });
    const recorder = await startRecorder(new URL(h.tenant.url));
    await seedLocalMode();
    // Eight organizations with two versions each queued before either instance starts: both
    // workers find the queue full at once.
    orgs = await createOrganizations(
      database.db,
      h,
      Array.from({ length: 8 }, (_, i) => `pair-${i}`),
    );
    for (const version of [1, 2])
      for (const org of orgs)
        await enqueueApply(
          database.db,
          systemScope(org),
          desiredSaml(org, version, [PORTAL_CLIENT_ID], {
            assignMembershipOnLogin: version === 2,
            showAsButton: false,
          }),
        );
    // What every instance of one deployment shares: the database, the tenant, the secrets.
    const spec = {
      databaseUrl: database.url!,
      tenant: { ...localTenantConfig(h.tenant), managementApiUrl: `${recorder}/api/v2` },
      rateLimit: "off" as const,
    };
    const env = {
      SESSION_SECRET: randomBytes(32).toString("hex"),
      SECRETS_KEY: randomBytes(32).toString("hex"),
      LOG_LEVEL: "error",
      // Every job's period at least an hour (email-retries runs every minute by default), so that the test's
      // minute or two holds one period of each and "once per period" means once.
      SCHEDULED_JOB_PERIODS: "email-retries=1h",
    };
    [one, two] = await Promise.all([
      startPortalProcess({ ...spec, port }, env),
      startPortalProcess({ ...spec, port: 0 }, env),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
    await h?.close();
    await database?.destroy();
  });

  it("both instances run the scheduler, each scheduled job runs once in its period", async () => {
    const jobs = () => database.db.selectFrom("scheduled_jobs").selectAll().orderBy("name").execute();
    const until = Date.now() + 60_000;
    while ((await jobs()).some((j) => j.runs < 1 || j.locked_by !== null)) {
      if (Date.now() > until) throw new Error(`scheduled jobs did not all run: ${JSON.stringify(await jobs())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Each runner polls every 10 s: past 12 s, both have looked again at jobs that are not due.
    await new Promise((r) => setTimeout(r, 12_000));
    const rows = await jobs();
    expect(rows.map((j) => j.name).sort()).toEqual([...SCHEDULED_JOB_NAMES].sort());
    for (const j of rows) {
      expect(j.period_seconds).toBeGreaterThanOrEqual(3600);
      expect({ job: j.name, runs: j.runs, outcome: j.last_outcome }).toEqual({
        job: j.name,
        runs: 1,
        outcome: "succeeded",
      });
    }
    // Both processes registered and ran the loop: each exports its own scheduler metrics.
    for (const instance of [one, two]) {
      const metrics = await call(instance.url, "/metrics");
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain("scheduled_job_runs_total");
    }
  }, 90_000);

  it("every apply job reaches the tenant once, and an organization's writes never overlap", async () => {
    await drained(database.db, 60_000);
    const jobs = await database.db.selectFrom("apply_jobs").select(["organization_id", "status", "attempts"]).execute();
    expect(jobs).toHaveLength(orgs.length * 2);
    expect(jobs.map((j) => [j.status, j.attempts])).toEqual(Array(orgs.length * 2).fill(["succeeded", 1]));
    for (const org of orgs) {
      const name = `sso-${org.slug}-saml`;
      const creates = writes.filter((w) => w.method === "POST" && w.path === "/connections" && w.name === name);
      expect(creates).toHaveLength(1);
      const id = creates[0]!.id!;
      const own = writes
        .filter(
          (w) =>
            w === creates[0] ||
            w.path.startsWith(`/connections/${id}`) ||
            w.path.startsWith(`/organizations/${org.auth0OrgId}/`),
        )
        .sort((a, b) => a.start - b.start);
      // Version 1 creates the connection, enables the application and the organization; version 2
      // updates all three (the organization's enablement exists, 409, so it is changed). Once each:
      // a job applied twice would add writes, a job lost would miss some.
      const shape = (w: Write) =>
        `${w.method} ${w.path.replace(id, ":id").replace(org.auth0OrgId!, ":org")} ${w.status}`;
      expect(own.map(shape).sort()).toEqual(
        [
          "POST /connections 201",
          "PATCH /connections/:id/clients 204",
          "POST /organizations/:org/enabled_connections 201",
          "PATCH /connections/:id 200",
          "PATCH /connections/:id/clients 204",
          "POST /organizations/:org/enabled_connections 409",
          "PATCH /organizations/:org/enabled_connections/:id 200",
        ].sort(),
      );
      // Serialized: each of the organization's writes began after the one before it was answered.
      for (let i = 1; i < own.length; i++) expect(own[i]!.start).toBeGreaterThanOrEqual(own[i - 1]!.end);
      const live = await h.management().connections.get(id);
      expect(live.options).toMatchObject(samlOptions(org.slug, 2));
    }
    // Nothing else was written.
    expect(writes.filter((w) => w.method === "POST" && w.path === "/connections")).toHaveLength(orgs.length);
    expect(writes).toHaveLength(orgs.length * 7);
  }, 90_000);

  it("a session made by signing in on instance 1 is valid on instance 2, and signing out there ends it on both", async () => {
    const browser = new HttpBrowser();
    const login = await browser.follow(`${one.url}/auth/login?returnTo=%2Forgs%2Facme%2Fsso`, () => false);
    expect(login.url.startsWith(h.tenant.url)).toBe(true);
    const html = await login.res!.text();
    const done = await browser.submit(
      login.url,
      { _csrf: hiddenInput(html, "_csrf")!, email: "alice@acme.test", password: DEFAULT_DEMO_PASSWORD },
      () => false,
    );
    expect(done.url).toBe(`${one.url}/orgs/acme/sso`);
    const cookie = `portal_session=${(browser as unknown as { cookies: Map<string, Map<string, string>> }).cookies.get("localhost")!.get("portal_session")!}`;

    for (const instance of [one, two]) {
      const page = await call(instance.url, "/orgs/acme/sso", { cookie });
      expect(page.status).toBe(200);
      expect(page.text).toContain("Single sign-on");
      // Without the cookie, the same page sends to sign-in.
      expect((await call(instance.url, "/orgs/acme/sso")).status).toBe(302);
    }

    const out = await call(two.url, "/auth/logout", { cookie, form: { scope: "this" } });
    expect(out.status).toBe(302);
    for (const instance of [one, two])
      expect((await call(instance.url, "/orgs/acme/sso", { cookie })).status).toBe(302);
  }, 60_000);
});
