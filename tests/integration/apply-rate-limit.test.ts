import { describe, expect, it } from "vitest";
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { enqueueApply, type DesiredApply } from "~/services/apply/jobs.server";
import { createApplyWorker, type ApplyWorkerOptions } from "~/services/apply/worker.server";
import type { ResponseInfo } from "~/services/auth0/client.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import {
  applyEngineFixture,
  createOrganizations,
  desiredOidc,
  drained,
  systemScope,
  tenantConfigOf,
  testWorkerOptions,
} from "../support/apply-fixtures.js";

/**
 * The free plan's Management API limit is 2 requests/s (burst 2): small batches keep this file
 * around 15 s.
 */
const engine = applyEngineFixture({ rateLimit: "free" });

function desired(org: ScopedOrganization): DesiredApply {
  return desiredOidc(org, { client_id: `client-${org.slug}` }, { assignMembershipOnLogin: false, showAsButton: true });
}

async function runTwoWorkers(orgs: ScopedOrganization[], overrides: Partial<ApplyWorkerOptions>) {
  const seen: ResponseInfo[] = [];
  const base = testWorkerOptions(engine.h, engine.database.db, {
    rateBudget: AUTH0_RATE_LIMITS.free,
    backoff: { baseMs: 50, maxMs: 500 },
    hooks: { onResponse: (r) => seen.push(r) },
    ...overrides,
  });
  for (const org of orgs) await enqueueApply(engine.database.db, systemScope(org), desired(org));
  const a = createApplyWorker({ ...base, workerId: `a-${orgs[0]!.slug}` });
  const b = createApplyWorker({ ...base, workerId: `b-${orgs[0]!.slug}`, db: engine.second?.db ?? engine.database.db });
  const started = Date.now();
  a.start();
  b.start();
  await drained(engine.database.db, 40_000);
  await Promise.all([a.stop(), b.stop()]);
  const jobs = await engine.database.db
    .selectFrom("apply_jobs")
    .select(["status", "attempts", "rate_limited", "organization_id"])
    .where(
      "organization_id",
      "in",
      orgs.map((o) => o.id),
    )
    .execute();
  return { seen, jobs, ms: Date.now() - started };
}

async function expectApplied(orgs: ScopedOrganization[]) {
  const management = engine.h.management();
  engine.h.tenant.setRateLimit("off");
  for (const org of orgs) {
    const found = await management.connections.list({ name: `sso-${org.slug}-oidc` });
    expect(found.data).toHaveLength(1);
    const clients = await management.connections.clients.get(found.data[0]!.id!);
    expect(clients.data.map((c) => c.client_id)).toEqual([PORTAL_CLIENT_ID]);
    const orgConns = await management.organizations.enabledConnections.list(org.auth0OrgId!);
    expect(orgConns.data.map((c) => c.connection_id)).toEqual([found.data[0]!.id]);
  }
  engine.h.tenant.setRateLimit("free");
}

describe(`apply engine under the free plan's rate limit (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("a 429 storm (no client-side budget, two workers hammering) still ends with every job succeeded", async () => {
    // Four organizations' jobs run side by side (locks per connection): four requests at once
    // against a burst of 2.
    const orgs = await createOrganizations(engine.database.db, engine.h, ["storm-1", "storm-2", "storm-3", "storm-4"]);
    engine.h.tenant.setRateLimit("free");
    const { seen, jobs } = await runTwoWorkers(orgs, { rateBudget: null });
    const limited = seen.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(jobs.map((j) => j.status)).toEqual(Array(4).fill("succeeded"));
    // A 429 sends the job back until the tenant's reset without using up its attempts.
    expect(jobs.reduce((n, j) => n + j.rate_limited, 0)).toBe(limited.length);
    for (const j of jobs) expect(j.attempts).toBeLessThanOrEqual(2);
    await expectApplied(orgs);
  });

  it("with the shared budget the same burst stays under the limit: no 429, the tenant kept busy", async () => {
    const orgs = await createOrganizations(engine.database.db, engine.h, ["calm-1", "calm-2", "calm-3"]);
    engine.h.tenant.setRateLimit("free");
    const { seen, jobs, ms } = await runTwoWorkers(orgs, {});
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // 2 requests/s, burst 2: n requests need at least (n - 2) / 2 s, and the budget should not
    // leave much of the limit unused.
    const rate = seen.length / (ms / 1000);
    expect(rate).toBeLessThanOrEqual(2 + 2 / (ms / 1000) + 0.01);
    expect(rate).toBeGreaterThan(1.4);
    await expectApplied(orgs);
  });

  it("a 429 that outlasts the in-place retries sends the job back until the tenant's reset, attempts untouched", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["requeue"]);
    await enqueueApply(engine.database.db, systemScope(org!), desired(org!));
    engine.h.tenant.setRateLimit("free");
    // Spend the tenant's burst so the worker's first request is refused.
    const token = await engine.h.token();
    for (let i = 0; i < 2; i++) {
      await fetch(`${engine.h.tenant.managementApiUrl}/connections?name=x`, {
        headers: { authorization: `Bearer ${token}` },
      });
    }
    const seen: ResponseInfo[] = [];
    const worker = createApplyWorker({
      db: engine.database.db,
      tenant: tenantConfigOf(engine.h.tenant),
      prefix: "sso",
      rateBudget: null,
      rateLimitRetries: 0,
      fetch: engine.h.fetch,
      hooks: { onResponse: (r) => seen.push(r) },
    });
    expect(await worker.runOnce()).toBe(true);
    const limited = seen.find((r) => r.status === 429)!;
    const reset = Number(limited.headers!.get("x-ratelimit-reset")) * 1000;
    const job = await engine.database.db
      .selectFrom("apply_jobs")
      .selectAll()
      .where("organization_id", "=", org!.id)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: "queued", attempts: 0, rate_limited: 1, error_kind: "rate_limited" });
    expect(new Date(job.next_run_at).getTime()).toBeGreaterThanOrEqual(reset);
    expect(await worker.runOnce()).toBe(false); // not due before the reset
    worker.start();
    await drained(engine.database.db, 20_000);
    await worker.stop();
    const done = await engine.database.db
      .selectFrom("apply_jobs")
      .select(["status", "attempts"])
      .where("organization_id", "=", org!.id)
      .executeTakeFirstOrThrow();
    expect(done.status).toBe("succeeded");
    // Every requeue was a 429, none used up an attempt.
    expect(done.attempts).toBe(1);
  });
});
