import { describe, expect, it } from "vitest";
import { drainBudget, tryTakeBudget } from "~/services/apply/budget.server";
import { enqueueApply, normalizeJob, type DesiredApply } from "~/services/apply/jobs.server";
import { lockResource, resourceLocks } from "~/services/apply/locks.server";
import { createApplyWorker, SimulatedCrash, type ApplyWorkerOptions } from "~/services/apply/worker.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import {
  applyEngineFixture,
  countingFetch,
  createOrganizations,
  desiredSaml,
  drained,
  expectConverged,
  numberedSlugs,
  systemScope,
  testWorkerOptions,
} from "../support/apply-fixtures.js";

/**
 * The apply engine at Auth0's pace (ADR 013): every Management API request takes 60 ± 40 ms, so
 * a read and the write that follows it are far apart and requests of different jobs overlap.
 * Two workers (two connection pools on PostgreSQL; one session on PGlite), several jobs in flight
 * each, locks per resource.
 */
const LATENCY = { latencyMs: 60, jitterMs: 40 };

const engine = applyEngineFixture();

async function runTwoWorkers(overrides: Partial<ApplyWorkerOptions>) {
  const base = (db = engine.database.db) => testWorkerOptions(engine.h, db, { concurrency: 4, ...overrides });
  const a = createApplyWorker({ ...base(), workerId: `a-${Math.random()}` });
  const b = createApplyWorker({ ...base(engine.second?.db), workerId: `b-${Math.random()}` });
  engine.h.tenant.setLatency(LATENCY);
  a.start();
  b.start();
  try {
    await drained(engine.database.db, 40_000);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    engine.h.tenant.setLatency({ latencyMs: 0 });
  }
}

/** Version 1 enables one application, version 2 another and membership on login: both must hold at the end. */
function desired(org: ScopedOrganization, version: 1 | 2): DesiredApply {
  return desiredSaml(org, version, [version === 1 ? PORTAL_CLIENT_ID : TEST_LOGIN_CLIENT_ID], {
    assignMembershipOnLogin: version === 2,
    showAsButton: version === 2,
  });
}

/** Version 2's options, both applications, enabled for its organization; the connection created once. */
/** Versions 1 and 2 of every organization queued at once, next to each other. */
async function queueBothVersions(orgs: ScopedOrganization[]) {
  for (const org of orgs) {
    await enqueueApply(engine.database.db, systemScope(org), desired(org, 1));
    await enqueueApply(engine.database.db, systemScope(org), desired(org, 2));
  }
}

async function expectBothVersionsLanded(org: ScopedOrganization) {
  await expectConverged(engine, org, 2, [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID]);
  expectCreatedOnce(org);
}

/** The organization's connection was created by one request, never twice. */
function expectCreatedOnce(org: ScopedOrganization) {
  const name = `sso-${org.slug}-saml`;
  const creates = engine.h.exchanges.filter(
    (e) => e.method === "POST" && e.path === "/connections" && (e.requestBody as { name?: string }).name === name,
  );
  expect(creates.map((e) => e.status)).toEqual([201]);
}

describe(`apply engine at Auth0's latency (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("two workers with four jobs in flight each, 16 organizations changing options, applications and organization enablement at once: every change lands, nothing twice", async () => {
    const orgs = await createOrganizations(engine.database.db, engine.h, numberedSlugs("lat", 16));
    await queueBothVersions(orgs);
    const counting = countingFetch(engine.h);
    await runTwoWorkers({ fetch: counting.fetch });

    const jobs = await engine.database.db.selectFrom("apply_jobs").select(["status", "attempts"]).execute();
    expect(jobs.map((j) => j.status)).toEqual(Array(32).fill("succeeded"));
    for (const org of orgs) await expectBothVersionsLanded(org);
    // Different organizations' jobs did not wait for each other: requests overlapped.
    expect(counting.state.max).toBeGreaterThan(2);
    expect(engine.h.violations()).toEqual([]);
  });

  it("APPLY_LOCK_SCOPE=tenant: one step at a time on the whole tenant, whatever the workers' concurrency", async () => {
    const orgs = await createOrganizations(engine.database.db, engine.h, numberedSlugs("one", 4));
    await queueBothVersions(orgs);
    const counting = countingFetch(engine.h);
    await runTwoWorkers({ fetch: counting.fetch, lockScope: "tenant" });
    for (const org of orgs) await expectBothVersionsLanded(org);
    expect(counting.state.max).toBe(1);
  });
});

describe(`resource locks (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("a list several organizations rewrite at once (an application's callback URLs) keeps every organization's entry", async () => {
    // PATCH /clients/{id} replaces `callbacks` whole, as on Auth0: adding one URL reads the list,
    // adds to it and writes it back. Six organizations do it at once, each through its own
    // transaction (and, on PostgreSQL, half of them through another pool).
    const token = await engine.h.token();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const clientUrl = `${engine.h.tenant.managementApiUrl}/clients/${TEST_LOGIN_CLIENT_ID}`;
    const before = ((await (await engine.h.fetch(clientUrl, { headers })).json()) as { callbacks: string[] }).callbacks;
    const tenantKey = engine.h.tenant.managementApiUrl;
    const pools = [
      resourceLocks(engine.database.db, tenantKey),
      resourceLocks(engine.second?.db ?? engine.database.db, tenantKey),
    ];
    const slugs = Array.from({ length: 6 }, (_, i) => `cb-${i}`);
    engine.h.tenant.setLatency(LATENCY);
    try {
      await Promise.all(
        slugs.map((slug, i) =>
          pools[i % 2]!.hold([lockResource.shared(`client:${TEST_LOGIN_CLIENT_ID}:callbacks`)], async () => {
            const client = (await (await engine.h.fetch(clientUrl, { headers })).json()) as { callbacks: string[] };
            const callbacks = [...client.callbacks, `https://${slug}.example/callback`];
            const res = await engine.h.fetch(clientUrl, {
              method: "PATCH",
              headers,
              body: JSON.stringify({ callbacks }),
            });
            expect(res.status).toBe(200);
          }),
        ),
      );
    } finally {
      engine.h.tenant.setLatency({ latencyMs: 0 });
    }
    const after = ((await (await engine.h.fetch(clientUrl, { headers })).json()) as { callbacks: string[] }).callbacks;
    expect(after.sort()).toEqual([...before, ...slugs.map((s) => `https://${s}.example/callback`)].sort());
    expect(engine.h.violations()).toEqual([]); // PATCH /clients/{id} as Auth0's schema has it
  });

  it("two organizations' connections are locked apart: one holder does not wait for the other", async () => {
    const tenantKey = engine.h.tenant.managementApiUrl;
    const first = resourceLocks(engine.database.db, tenantKey);
    const other = resourceLocks(engine.second?.db ?? engine.database.db, tenantKey);
    const order: string[] = [];
    // acme holds its lock until globex has taken (and released) its own: would never end if they waited for each other.
    await first.hold([lockResource.connection("sso-acme-saml")], async () => {
      order.push("acme taken");
      await other.hold([lockResource.connection("sso-globex-saml")], async () => {
        order.push("globex taken");
      });
      order.push("acme released");
    });
    expect(order).toEqual(["acme taken", "globex taken", "acme released"]);
  });
});

describe(`leases while waiting for the budget (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("a job waiting longer than its lease for the shared budget, step after step, is not taken over while its worker lives; once the worker dies, it is", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["patient"]);
    await enqueueApply(engine.database.db, systemScope(org!), desired(org!, 1));
    const leaseMs = 1500;
    const options = (db = engine.database.db) => testWorkerOptions(engine.h, db, { leaseMs, concurrency: 1 });
    // The shared budget empty for three leases (as on the free plan behind 15 other jobs): the
    // job's first request waits that long for its token. (The "off" budget is full again after.)
    const tenantKey = options().tenant.managementApiUrl;
    await tryTakeBudget(engine.database.db, tenantKey, options().rateBudget!);
    const emptied = Date.now();
    await drainBudget(engine.database.db, tenantKey, emptied + 3 * leaseMs);
    let firstAnswer = 0;
    const waiting = createApplyWorker({
      ...options(),
      workerId: `patient-${Math.random()}`,
      hooks: {
        onResponse: () => void (firstAnswer ||= Date.now()),
        crash: async (p) => {
          // The first step recorded after three leases (a lease counted from the step's start had
          // run out by then), the next one waits two leases more for the budget…
          if (p.step === "connection" && p.phase === "after-commit") {
            await drainBudget(engine.database.db, tenantKey, Date.now() + 2 * leaseMs);
          }
          // …and its worker dies once that step's write is made, before recording it.
          if (p.step === "clients" && p.phase === "after-write") throw new SimulatedCrash();
        },
      },
    });
    const other = createApplyWorker({
      ...options(engine.second?.db ?? engine.database.db),
      workerId: `other-${Math.random()}`,
    });

    const job = async () =>
      normalizeJob(
        await engine.database.db
          .selectFrom("apply_jobs")
          .selectAll()
          .where("organization_id", "=", org!.id)
          .executeTakeFirstOrThrow(),
      );
    let settled = false;
    const run = waiting.runOnce().finally(() => (settled = true));
    while ((await job()).locked_by !== waiting.id) await new Promise((r) => setTimeout(r, 10));
    while (!settled) {
      // Alive and waiting for the budget: its heartbeat keeps the job its own.
      expect(await other.runOnce()).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await run).toBe(true);
    expect(waiting.crashed).toBe(true);
    expect(firstAnswer - emptied).toBeGreaterThan(leaseMs); // it did wait longer than its lease

    // Dead: no heartbeat, so the other worker takes the job over once the lease runs out.
    const until = Date.now() + 30_000;
    while (!(await other.runOnce())) {
      if (Date.now() > until) throw new Error("the dead worker's job was never taken over");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await job()).toMatchObject({
      status: "succeeded",
      attempts: 2,
      locked_by: null,
      steps_done: ["connection", "clients", "organization"],
    });
    expectCreatedOnce(org!);
  });
});
