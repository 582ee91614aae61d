import { describe, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import { createApplyWorker, startApplyWorker } from "~/services/apply/worker.server";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { statementLog } from "../../harness/statement-log";
import {
  applyEngineFixture,
  countingFetch,
  createOrganizations,
  desiredSaml,
  drained,
  numberedSlugs,
  systemScope,
  testWorkerOptions,
} from "../support/apply-fixtures.js";

/**
 * What an idle apply worker costs the shared database, and that the saving costs no throughput:
 * its slots share one poll, yet a backlog queued by another process still runs `concurrency` jobs
 * at once. The worker is created without the in-process enqueue event (startApplyWorker's
 * onJobQueued), as a worker in another process would be: it learns of jobs by polling only.
 */
const engine = applyEngineFixture();

const CLAIM = /for update skip locked/i;

describe(`apply worker polling (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("an idle worker with eight slots sends one claim per poll interval, not one per slot", async () => {
    const log = statementLog(engine.database.db);
    const pollMs = 50;
    const worker = createApplyWorker(
      testWorkerOptions(engine.h, log.db, { concurrency: 8, pollMs, workerId: `idle-${Math.random()}` }),
    );
    const started = performance.now();
    worker.start();
    await new Promise((r) => setTimeout(r, 600));
    await worker.stop();
    const periods = (performance.now() - started) / pollMs;
    const claims = log.count(CLAIM);
    // Still polling (a job queued elsewhere is seen within an interval)…
    expect(claims).toBeGreaterThanOrEqual(3);
    // …once per interval, plus the first look: eight slots polling on their own would send ~8 × periods.
    expect(claims).toBeLessThanOrEqual(periods + 1);
    // A claim that finds nothing is one statement: nothing else is sent while idle.
    expect(log.sql.length).toBe(claims);
  });

  it("a backlog queued by another process runs `concurrency` jobs at once, found by one poll", async () => {
    const concurrency = 4;
    const orgs = await createOrganizations(engine.database.db, engine.h, numberedSlugs("backlog", 8));
    // Management API requests in flight at once: one job's requests follow each other, so more
    // than one in flight is jobs running together.
    const { state: requests, fetch } = countingFetch(engine.h);
    const log = statementLog(engine.database.db);
    const worker = createApplyWorker(
      testWorkerOptions(engine.h, log.db, { concurrency, pollMs: 200, fetch, workerId: `backlog-${Math.random()}` }),
    );
    worker.start();
    engine.h.tenant.setLatency({ latencyMs: 100 });
    try {
      // Queued through the other pool (PostgreSQL) after the worker went idle: nothing tells it but its poll.
      const elsewhere = engine.second?.db ?? engine.database.db;
      for (const org of orgs) await enqueueApply(elsewhere, systemScope(org), desiredSaml(org, 1, [PORTAL_CLIENT_ID]));
      await drained(engine.database.db, 20_000);
    } finally {
      engine.h.tenant.setLatency({ latencyMs: 0 });
      await worker.stop();
    }
    const jobs = await engine.database.db.selectFrom("apply_jobs").select(["status", "locked_by"]).execute();
    expect(jobs.map((j) => j.status)).toEqual(Array(8).fill("succeeded"));
    expect(requests.max).toBe(concurrency);
  });

  it("a job queued in this process is taken as soon as its transaction commits, not a poll interval later", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["committed-later"]);
    // In-process, as in local mode: the enqueue announces the job (onJobQueued) from inside its transaction.
    const { stop } = startApplyWorker(testWorkerOptions(engine.h, engine.database.db, { pollMs: 10_000 }));
    try {
      await new Promise((r) => setTimeout(r, 50)); // idle: its first look found nothing
      let jobId = "";
      await engine.database.db.transaction().execute(async (trx) => {
        jobId = await enqueueApply(trx, systemScope(org!), desiredSaml(org!, 1, [PORTAL_CLIENT_ID]));
        // The rest of the caller's transaction (the change's move, its audit row…) takes a while.
        await new Promise((r) => setTimeout(r, 50));
      });
      const committed = performance.now();
      const taken = async () =>
        (
          await engine.database.db
            .selectFrom("apply_jobs")
            .select("attempts")
            .where("id", "=", jobId)
            .executeTakeFirstOrThrow()
        ).attempts > 0;
      while (!(await taken()) && performance.now() - committed < 5000) await new Promise((r) => setTimeout(r, 5));
      expect(performance.now() - committed).toBeLessThan(1000);
      await drained(engine.database.db, 10_000);
    } finally {
      await stop();
    }
  });
});
