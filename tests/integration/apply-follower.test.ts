import { describe, expect, it } from "vitest";
import { enqueueApply, notifyJobMoved } from "~/services/apply/jobs.server";
import { createApplyWorker } from "~/services/apply/worker.server";
import { startApplyFollower } from "~/services/change-requests/apply-progress.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import type { ChangeState } from "~/services/platform/db/schema";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { statementLog } from "../../harness/statement-log";
import {
  applyEngineFixture,
  createOrganizations,
  desiredSaml,
  systemScope,
  testWorkerOptions,
} from "../support/apply-fixtures.js";
import { insertChange } from "../support/change-fixtures";

/**
 * The apply follower (what moves an approved change to applying, applied or failed as its job
 * goes): closely while a change is in flight, rarely while none is, and at once when this
 * process's own worker takes or finishes a job.
 */
const engine = applyEngineFixture();
const NOW = new Date("2026-12-01T00:00:00Z");
/** The follower's one read: the changes in flight with their jobs. */
const LOOK = /from "change_requests" inner join "apply_jobs"/;

/** An approved change of `org` whose apply job is `jobId` (what approving it leaves). */
async function approvedChange(org: ScopedOrganization, jobId: string): Promise<string> {
  return insertChange(engine.database.db, org, NOW, {
    state: "approved",
    risk: "low",
    policy_rule: "auto",
    author_user_id: null,
    author_label: "alice@example.test",
    version: 1,
    apply_job_id: jobId,
  });
}

async function stateOf(changeId: string): Promise<ChangeState> {
  const row = await engine.database.db
    .selectFrom("change_requests")
    .select("state")
    .where("id", "=", changeId)
    .executeTakeFirstOrThrow();
  return row.state;
}

/** Waits (up to `ms`) for the change to reach `state`; the state it is in at the end. */
async function reaches(changeId: string, state: ChangeState, ms: number): Promise<ChangeState> {
  const until = Date.now() + ms;
  let now = await stateOf(changeId);
  while (now !== state && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    now = await stateOf(changeId);
  }
  return now;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`apply follower (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("with nothing in flight it looks once per idle period (2 s), not four times a second", async () => {
    const log = statementLog(engine.database.db);
    const follower = startApplyFollower(log.db);
    await sleep(1000);
    await follower.stop();
    expect(log.count(LOOK)).toBe(1); // the first look, at start
    expect(log.sql).toHaveLength(1);
  });

  it("while a change is in flight it looks every busyMs, so a job finished by a worker elsewhere moves its change promptly; then it slows down again", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["elsewhere"]);
    const jobId = await enqueueApply(engine.database.db, systemScope(org!), desiredSaml(org!, 1, [PORTAL_CLIENT_ID]));
    const changeId = await approvedChange(org!, jobId);
    const log = statementLog(engine.database.db);
    const follower = startApplyFollower(log.db, { busyMs: 50, idleMs: 60_000 });
    try {
      await sleep(300);
      // In flight (its job queued): followed closely, not once a minute.
      expect(log.count(LOOK)).toBeGreaterThanOrEqual(3);
      // Another process's worker ran the job (no event reaches this process).
      await engine.database.db
        .updateTable("apply_jobs")
        .set({ status: "succeeded", finished_at: new Date(), steps_done: JSON.stringify(["connection"]) })
        .where("id", "=", jobId)
        .execute();
      expect(await reaches(changeId, "applied", 2000)).toBe("applied");
      await sleep(100); // the round that moved it
      log.clear();
      await sleep(400);
      expect(log.count(LOOK)).toBe(0); // nothing in flight: back to the idle period
    } finally {
      await follower.stop();
    }
  });

  it("a job taken and finished by this process's worker moves its change at once, whatever the period", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["in-process"]);
    const follower = startApplyFollower(engine.database.db, { busyMs: 60_000, idleMs: 60_000 });
    try {
      await sleep(50); // its first look is made: from now on only a wake-up makes it look
      const jobId = await enqueueApply(engine.database.db, systemScope(org!), desiredSaml(org!, 1, [PORTAL_CLIENT_ID]));
      const changeId = await approvedChange(org!, jobId);
      const worker = createApplyWorker(testWorkerOptions(engine.h, engine.database.db, { concurrency: 1 }));
      expect(await worker.runOnce()).toBe(true);
      expect(await reaches(changeId, "applied", 2000)).toBe("applied");
    } finally {
      await follower.stop();
    }
  });

  it("a burst of job events (a busy worker in this process) makes one round per 50 ms, not one per event", async () => {
    const log = statementLog(engine.database.db);
    const follower = startApplyFollower(log.db, { busyMs: 60_000, idleMs: 60_000 });
    const started = performance.now();
    try {
      // 100 jobs taken or finished in 400 ms.
      for (let i = 0; i < 100; i++) {
        notifyJobMoved();
        await sleep(4);
      }
      await sleep(60);
    } finally {
      await follower.stop();
    }
    const gaps = (performance.now() - started) / 50;
    expect(log.count(LOOK)).toBeGreaterThanOrEqual(3); // it does follow the events…
    expect(log.count(LOOK)).toBeLessThanOrEqual(gaps + 2); // …at most once per 50 ms, and the first look
  });
});
