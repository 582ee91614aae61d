import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { drainBudget, tryTakeBudget } from "~/services/apply/budget.server";
import { enqueueApply, enqueueRemove } from "~/services/apply/jobs.server";
import { createApplyWorker, type ApplyWorkerOptions, type CrashPoint } from "~/services/apply/worker.server";
import { OWNER_KEY, VERSION_KEY } from "~/services/auth0/gateway.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import {
  applyEngineFixture,
  crashAt,
  createOrganizations,
  desiredSaml,
  drained,
  expectConverged,
  jobsOf,
  numberedSlugs,
  systemScope,
  testWorkerOptions,
} from "../support/apply-fixtures.js";
import { raceTest } from "../support/test-database.js";

const engine = applyEngineFixture();

function workerOptions(overrides: Partial<ApplyWorkerOptions> = {}): ApplyWorkerOptions {
  return testWorkerOptions(engine.h, engine.database.db, overrides);
}

function jobs(org: ScopedOrganization) {
  return jobsOf(engine.database.db, org);
}

describe(`apply engine (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  raceTest(
    "two workers on two database connections, 20 organizations each enabling clients and changing options at once: every change lands",
    async () => {
      const orgs = await createOrganizations(engine.database.db, engine.h, numberedSlugs("par", 20));
      // Both versions of every organization are queued at once; v1 enables one application, v2
      // another and new options. Both must be there at the end.
      // Queued next to each other, so the two workers would take both versions of one organization
      // at the same time if nothing stopped them.
      for (const org of orgs) {
        await enqueueApply(engine.database.db, systemScope(org), desiredSaml(org, 1, [PORTAL_CLIENT_ID]));
        await enqueueApply(engine.database.db, systemScope(org), desiredSaml(org, 2, [TEST_LOGIN_CLIENT_ID]));
      }
      // PostgreSQL: two pools, i.e. two independent sessions racing for jobs and for the tenant lock.
      // PGlite: one in-process session, so both workers share it through our dialect's queue.
      // Real Auth0 answers in tens of milliseconds: with that latency, unserialized read–merge–writes
      // would overlap and lose each other's changes.
      const slowFetch: typeof fetch = async (input, init) => {
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
        return engine.h.fetch(input, init);
      };
      const a = createApplyWorker(workerOptions({ workerId: "a", fetch: slowFetch }));
      const b = createApplyWorker(
        workerOptions({ workerId: "b", db: engine.second?.db ?? engine.database.db, fetch: slowFetch }),
      );
      a.start();
      b.start();
      await drained(engine.database.db);
      await Promise.all([a.stop(), b.stop()]);

      const all = await engine.database.db
        .selectFrom("apply_jobs")
        .select(["status", "locked_by", "attempts"])
        .execute();
      expect(all.filter((j) => j.status === "succeeded")).toHaveLength(40);
      for (const org of orgs) await expectConverged(engine, org, 2, [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID]);
      // Both workers did work.
      const audit = await engine.database.db
        .selectFrom("audit_events")
        .select(["action"])
        .where("action", "=", "connection.apply")
        .execute();
      expect(audit).toHaveLength(40);
      expect(engine.h.violations()).toEqual([]);
    },
  );

  raceTest("both workers took jobs (SKIP LOCKED shares the queue)", async () => {
    const orgs = await createOrganizations(engine.database.db, engine.h, numberedSlugs("share", 6));
    for (const org of orgs)
      await enqueueApply(engine.database.db, systemScope(org), desiredSaml(org, 1, [PORTAL_CLIENT_ID]));
    const taken: Record<string, number> = { a: 0, b: 0 };
    const slow = (who: string): ApplyWorkerOptions["hooks"] => ({
      crash: async (p: CrashPoint) => {
        if (p.step === "connection" && p.phase === "after-commit") {
          taken[who]!++;
          await new Promise((r) => setTimeout(r, 30));
        }
      },
    });
    const a = createApplyWorker(workerOptions({ workerId: "share-a", hooks: slow("a") }));
    const b = createApplyWorker(
      workerOptions({ workerId: "share-b", db: engine.second?.db ?? engine.database.db, hooks: slow("b") }),
    );
    a.start();
    b.start();
    await drained(engine.database.db);
    await Promise.all([a.stop(), b.stop()]);
    expect(taken.a! + taken.b!).toBe(6);
    expect(taken.a).toBeGreaterThan(0);
    expect(taken.b).toBeGreaterThan(0);
  });

  const points: CrashPoint["phase"][] = ["after-write", "after-commit"];
  const steps = ["connection", "clients", "organization"] as const;
  for (const step of steps) {
    for (const phase of points) {
      it(`a worker killed at ${step}/${phase}, then restarted, converges without duplicates`, async () => {
        const [org] = await createOrganizations(engine.database.db, engine.h, [`crash-${step}-${phase}`]);
        await enqueueApply(
          engine.database.db,
          systemScope(org!),
          desiredSaml(org!, 1, [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID]),
        );
        const crashing = createApplyWorker(
          workerOptions({
            workerId: `crash-${step}-${phase}`,
            hooks: crashAt(step, phase),
          }),
        );
        expect(await crashing.runOnce()).toBe(true);
        expect(crashing.crashed).toBe(true);
        const [left] = await jobs(org!);
        expect(left!.status).toBe("running"); // what a killed process leaves behind
        const doneBefore = steps.indexOf(step) + (phase === "after-commit" ? 1 : 0);
        expect(left!.steps_done).toEqual(steps.slice(0, doneBefore));

        // The same worker slot restarts and takes its own job back at once.
        const restarted = createApplyWorker(workerOptions({ workerId: `crash-${step}-${phase}` }));
        expect(await restarted.runOnce()).toBe(true);
        const [after] = await jobs(org!);
        expect(after).toMatchObject({ status: "succeeded", attempts: 2, steps_done: [...steps] });
        await expectConverged(engine, org!, 1, [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID]);
        const creates = engine.h.exchanges.filter(
          (e) =>
            e.method === "POST" &&
            e.path === "/connections" &&
            (e.requestBody as { name?: string }).name === `sso-${org!.slug}-saml`,
        );
        expect(creates.map((e) => e.status)).toEqual([201]);
      });
    }
  }

  it("another worker takes over a crashed worker's job once its lease runs out", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["lease"]);
    await enqueueApply(engine.database.db, systemScope(org!), desiredSaml(org!, 1, [PORTAL_CLIENT_ID]));
    const crashing = createApplyWorker(
      workerOptions({
        workerId: "lease-1",
        leaseMs: 300,
        hooks: crashAt("clients", "after-commit"),
      }),
    );
    await crashing.runOnce();
    const other = createApplyWorker(
      workerOptions({ workerId: "lease-2", db: engine.second?.db ?? engine.database.db }),
    );
    expect(await other.runOnce()).toBe(false); // still leased
    await new Promise((r) => setTimeout(r, 400));
    expect(await other.runOnce()).toBe(true);
    expect((await jobs(org!))[0]).toMatchObject({ status: "succeeded", locked_by: null });
    await expectConverged(engine, org!, 1, [PORTAL_CLIENT_ID]);
  });

  it("refuses a connection whose metadata names another organization, fails the job and audits it", async () => {
    const [mine, theirs] = await createOrganizations(engine.database.db, engine.h, ["victim", "intruder"]);
    const foreign = await engine.raw.create({
      name: "sso-victim-saml",
      strategy: "samlp",
      options: { signInEndpoint: "https://idp.intruder.test/sso" },
      metadata: { [OWNER_KEY]: theirs!.id, [VERSION_KEY]: "7" },
    });
    await enqueueApply(engine.database.db, systemScope(mine!), desiredSaml(mine!, 1, [PORTAL_CLIENT_ID]));
    const w = createApplyWorker(workerOptions());
    await w.runOnce();
    const [job] = await jobs(mine!);
    expect(job).toMatchObject({ status: "failed", error_kind: "not_owned", attempts: 1 });
    expect(job!.last_error).toMatch(/belongs to another organization/);
    const audit = await engine.database.db
      .selectFrom("audit_events")
      .selectAll()
      .where("organization_id", "=", mine!.id)
      .execute();
    expect(audit.map((e) => [e.action, e.outcome])).toEqual(
      expect.arrayContaining([
        ["connection.refused", "denied"],
        ["connection.apply", "denied"],
      ]),
    );
    const untouched = await engine.raw.get(foreign.id!);
    expect(untouched.options).toEqual({ signInEndpoint: "https://idp.intruder.test/sso" });
    expect((await engine.raw.clients.get(foreign.id!)).data).toEqual([]);
  });

  it("does not retry what Auth0 refuses as invalid: the job fails at once with a message for the user", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["invalid"]);
    const bad = desiredSaml(org!, 1, []);
    bad.connection.options = { signingCert: "not a certificate" };
    await enqueueApply(engine.database.db, systemScope(org!), bad);
    await createApplyWorker(workerOptions()).runOnce();
    const [job] = await jobs(org!);
    expect(job).toMatchObject({ status: "failed", error_kind: "invalid_options", attempts: 1 });
    expect(job!.last_error).toMatch(/^Auth0 refused the configuration/);
  });

  it("retries network errors and 5xx with backoff, then succeeds; gives up as dead after max attempts", async () => {
    const [org, doomed] = await createOrganizations(engine.database.db, engine.h, ["flaky", "doomed"]);
    let failures = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url.includes("/api/v2/") && failures < 3) {
        failures++;
        if (failures === 2)
          return new Response(JSON.stringify({ statusCode: 503, error: "Service Unavailable", message: "down" }), {
            status: 503,
            headers: { "content-type": "application/json" },
          });
        throw new TypeError("fetch failed");
      }
      return engine.h.fetch(input, init);
    };
    await enqueueApply(engine.database.db, systemScope(org!), desiredSaml(org!, 1, [PORTAL_CLIENT_ID]));
    const w = createApplyWorker(workerOptions({ fetch: flaky }));
    w.start();
    await drained(engine.database.db);
    await w.stop();
    expect((await jobs(org!))[0]).toMatchObject({ status: "succeeded", attempts: 4, error_kind: null });
    await expectConverged(engine, org!, 1, [PORTAL_CLIENT_ID]);

    await enqueueApply(engine.database.db, systemScope(doomed!), desiredSaml(doomed!, 1, []));
    await sql`update apply_jobs set max_attempts = 2 where organization_id = ${doomed!.id}`.execute(engine.database.db);
    const down: typeof fetch = async (input, init) => {
      if (String(input).includes("/api/v2/")) throw new TypeError("fetch failed");
      return engine.h.fetch(input, init);
    };
    const d = createApplyWorker(workerOptions({ fetch: down }));
    d.start();
    await drained(engine.database.db);
    await d.stop();
    expect((await jobs(doomed!))[0]).toMatchObject({ status: "dead", attempts: 2, error_kind: "unavailable" });
  });

  it("removes the organization's connection: out of the organization, then deleted", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["leaving"]);
    await enqueueApply(engine.database.db, systemScope(org!), desiredSaml(org!, 1, [PORTAL_CLIENT_ID]));
    await enqueueRemove(engine.database.db, systemScope(org!), { protocol: "saml" });
    const w = createApplyWorker(workerOptions());
    w.start();
    await drained(engine.database.db);
    await w.stop();
    expect((await jobs(org!)).map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    expect((await engine.h.management().connections.list({ name: "sso-leaving-saml" })).data).toEqual([]);
    expect((await engine.h.management().organizations.enabledConnections.list(org!.auth0OrgId!)).data).toEqual([]);
  });

  it("a finished job keeps no secret: the OIDC client secret reaches Auth0 and leaves the job row", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["secretive"]);
    await enqueueApply(engine.database.db, systemScope(org!), {
      connection: {
        protocol: "oidc",
        strategy: "oidc",
        version: 1,
        displayName: "Secretive",
        options: { client_id: "abc", client_secret: "s3cr3t-value", type: "back_channel" },
      },
    });
    await createApplyWorker(workerOptions()).runOnce();
    const [job] = await jobs(org!);
    expect(job!.status).toBe("succeeded");
    expect(JSON.stringify(job!.desired)).not.toContain("s3cr3t-value");
    expect(job!.desired).toMatchObject({ connection: { options: { client_id: "abc" } } });
    const stored = (await engine.h.management().connections.list({ name: "sso-secretive-oidc" })).data[0]!;
    expect(stored.options).toMatchObject({ client_secret: "s3cr3t-value" });
    const audit = await engine.database.db.selectFrom("audit_events").select("details").execute();
    expect(JSON.stringify(audit)).not.toContain("s3cr3t-value");
  });
});

describe(`shared rate budget (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  raceTest("two connections taking at once never get more than the burst plus the refill", async () => {
    const budget = { burst: 5, perSecond: 10, utilization: 1, headroom: 0 };
    const dbs = [engine.database.db, engine.second?.db ?? engine.database.db];
    const started = Date.now();
    const waits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => tryTakeBudget(dbs[i % 2]!, "tenant-a", budget)),
    );
    const elapsed = (Date.now() - started) / 1000;
    const granted = waits.filter((w) => w === 0).length;
    expect(granted).toBeGreaterThanOrEqual(5);
    expect(granted).toBeLessThanOrEqual(5 + Math.ceil(elapsed * 10));
    // Those refused are told how long until a token is back (~1/10 s), never 0.
    for (const w of waits.filter((w) => w > 0)) expect(w).toBeLessThanOrEqual(150);
  });

  it("refills at the configured rate and keeps tenants apart", async () => {
    const budget = { burst: 2, perSecond: 20, utilization: 1, headroom: 0 };
    expect(await tryTakeBudget(engine.database.db, "tenant-b", budget, 2)).toBe(0);
    expect(await tryTakeBudget(engine.database.db, "tenant-b", budget)).toBeGreaterThan(0);
    expect(await tryTakeBudget(engine.database.db, "tenant-c", budget)).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await tryTakeBudget(engine.database.db, "tenant-b", budget)).toBe(0);
  });

  it("after a 429 nobody takes a token before the tenant's reset", async () => {
    const budget = { burst: 10, perSecond: 100, utilization: 1, headroom: 0 };
    expect(await tryTakeBudget(engine.database.db, "tenant-d", budget)).toBe(0);
    await drainBudget(engine.database.db, "tenant-d", Date.now() + 400);
    const wait = await tryTakeBudget(engine.second?.db ?? engine.database.db, "tenant-d", budget);
    expect(wait).toBeGreaterThan(300);
    expect(wait).toBeLessThan(500);
  });
});
