import type { Kysely } from "kysely";
import { onJobMoved, onJobQueued } from "../apply/jobs.server";
import { connectionApply } from "../apply/kinds/connection-apply.server";
import type { Database } from "../platform/db/schema";
import { logger } from "../platform/logger.server";
import { createPollingLoop } from "../platform/polling-loop.server";
import { moveChange, type SystemActor } from "./moves.server";
import { IN_FLIGHT } from "./states";

/**
 * Follows the apply jobs of approved changes: running → applying, succeeded → applied, failed →
 * failed with the error in words and whether a retry can fix it. Every instance may run it; the moves' locks make it idempotent.
 */
const WORKER: SystemActor = { kind: "system", actor: "apply-worker" };

export async function followApplyJobs(db: Kysely<Database>, changeIds?: string[]): Promise<number> {
  return (await follow(db, changeIds)).moved;
}

/** One round: how many changes moved, and how many are still in flight after it. */
async function follow(db: Kysely<Database>, changeIds?: string[]): Promise<{ moved: number; inFlight: number }> {
  let q = db
    .selectFrom("change_requests")
    .innerJoin("apply_jobs", "apply_jobs.id", "change_requests.apply_job_id")
    .select(["change_requests.id", "change_requests.state", "apply_jobs.status as jobStatus", "apply_jobs.last_error"])
    .where("change_requests.state", "in", [...IN_FLIGHT]);
  if (changeIds) {
    if (changeIds.length === 0) return { moved: 0, inFlight: 0 };
    q = q.where("change_requests.id", "in", changeIds);
  }
  const rows = await q.execute();
  let moved = 0;
  let ended = 0;
  for (const row of rows) {
    const id = String(row.id);
    const move =
      row.jobStatus === "succeeded"
        ? "finish_apply"
        : row.jobStatus === "failed" || row.jobStatus === "dead"
          ? "fail_apply"
          : row.jobStatus === "running" && row.state === "approved"
            ? "start_apply"
            : null;
    if (!move) continue;
    const result = await db.transaction().execute((trx) =>
      moveChange(trx, WORKER, id, move, () => {
        if (move === "finish_apply") return { applied_at: new Date() };
        if (move === "fail_apply") {
          return {
            apply_error: row.last_error ?? "Applying the change failed.",
            apply_retryable: row.jobStatus === "dead",
          };
        }
        return {};
      }),
    );
    if (result.ok) moved++;
    if (result.ok && move !== "start_apply") ended++;
  }
  return { moved, inFlight: rows.length - ended };
}

export interface ApplyProgress {
  status: "queued" | "running" | "succeeded" | "failed" | "dead";
  /** Which of the organization's connections the job writes (ADR 009): a change goes to "test". */
  stage: "test" | "live";
  steps: { step: string; label: string; done: boolean }[];
  attempts: number;
  error: string | null;
}

const STEP_LABEL: Record<"test" | "live", Record<string, string>> = {
  test: {
    connection: "Test connection written to Auth0",
    clients: "Enabled for the test application",
  },
  live: {
    connection: "Connection written to Auth0",
    clients: "Enabled for the applications",
    organization: "Enabled for the organization",
  },
};

export async function readApplyProgress(db: Kysely<Database>, jobId: string | null): Promise<ApplyProgress | null> {
  if (!jobId) return null;
  const job = await db
    .selectFrom("apply_jobs")
    .select(["status", "steps_done", "attempts", "last_error", "desired"])
    .where("id", "=", jobId)
    .executeTakeFirst();
  return job ? applyProgressFrom(job) : null;
}

/** The apply job's columns the progress is made of (`desired`: at least its connection's stage and organization). */
export interface ApplyProgressRow {
  status: ApplyProgress["status"];
  steps_done: string[] | string;
  attempts: number;
  last_error: string | null;
  desired: unknown;
}

/** The progress as the pages show it, from the job's row (read alone or as JSON in a larger statement). */
export function applyProgressFrom(job: ApplyProgressRow): ApplyProgress {
  const done = typeof job.steps_done === "string" ? (JSON.parse(job.steps_done) as string[]) : job.steps_done;
  const desired = (typeof job.desired === "string" ? JSON.parse(job.desired) : job.desired) as {
    connection?: { stage?: string };
    organization?: unknown;
  };
  const stage = desired.connection?.stage === "test" ? "test" : "live";
  return {
    status: job.status,
    stage,
    // A step with nothing to do for this job (the test connection joins no Auth0 organization) is not shown.
    steps: connectionApply.steps
      .filter((name) => name !== "organization" || (stage === "live" && desired.organization != null))
      .map((name) => ({ step: name, label: STEP_LABEL[stage][name] ?? name, done: done.includes(name) })),
    attempts: job.attempts,
    error: job.last_error,
  };
}

export interface ApplyFollowerOptions {
  /** How often to look while a change was in flight at the last look (default 250 ms): its page and mail follow its job closely. */
  busyMs?: number;
  /**
   * How often to look while none was (default 2 s): how soon a change approved on another
   * instance, with its job run by a worker elsewhere, starts being followed closely.
   */
  idleMs?: number;
}

/** The shortest time between two of the follower's rounds, however many wake-ups come. */
const WAKE_GAP_MS = 50;

/**
 * Keeps following in the background: one round at once, then every `busyMs` while a change is in
 * flight, every `idleMs` while none is — an idle portal sends one select per `idleMs`, not four a
 * second. A job queued in this process, or taken or finished by this process's worker (local
 * mode), starts a round at once, so those changes move as soon as their jobs do.
 */
export function startApplyFollower(
  db: Kysely<Database>,
  options: ApplyFollowerOptions = {},
): { stop(): Promise<void> } {
  const busyMs = options.busyMs ?? 250;
  const idleMs = options.idleMs ?? 2000;
  let inFlight = false;
  let lastRound = -Infinity;
  const loop = createPollingLoop({
    pollMs: () => (inFlight ? busyMs : idleMs),
    turn: async () => {
      // Every job this process's worker takes or finishes wakes the follower: a burst of them (eight
      // slots busy) makes one round per WAKE_GAP_MS, not one each.
      const early = lastRound + WAKE_GAP_MS - performance.now();
      if (early > 0) await new Promise((r) => setTimeout(r, early));
      lastRound = performance.now();
      inFlight = (await follow(db)).inFlight > 0;
      return "idle";
    },
    onError: (err) => logger.warn({ error: err.message }, "following apply jobs failed"),
  });
  const unsubscribe = [onJobQueued(loop.wake), onJobMoved(loop.wake)];
  loop.start();
  return {
    stop: async () => {
      for (const off of unsubscribe) off();
      await loop.stop();
    },
  };
}
