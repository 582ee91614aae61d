import { sql } from "kysely";
import { recordAudit } from "../audit/audit.server";
import type { ApplyJob } from "../platform/db/schema";
import { canMove, IllegalMoveError, isFinal, type JobState } from "./job-states";
import { jobKind } from "./kinds/registry.server";
import type { Executor } from "../platform/db.server";

/** Why a job stopped or went back to the queue, as stored on the row and in the audit log. */
export interface JobError {
  /** `error_kind`: the gateway's error kind, "secret" or "internal". */
  kind: string;
  /** `last_error`: for the user (user-messages.server.ts), never a secret. */
  message: string;
  /** The audit outcome if the move ends the job. */
  outcome: "failure" | "denied";
}

export type JobMove =
  /** Taken by a worker: leased to it until `leaseMs` from now, one attempt used. */
  | { to: "running"; leaseMs: number }
  /** Back to the queue until `runAt`; a rate-limited wait gives the attempt back. */
  | { to: "queued"; runAt: Date; giveAttemptBack?: boolean; error: JobError; rateLimited: number }
  | { to: "succeeded"; rateLimited: number }
  | { to: "failed" | "dead"; error: JobError; rateLimited: number };

/**
 * A lease's end: `leaseMs` from the moment it is written. `clock_timestamp()`, not `now()`: inside
 * a step's transaction (PostgreSQL) `now()` is when the step began — after a long wait for the
 * budget, a lease counted from then had already run out when the step recorded itself done.
 */
export function leaseUntil(leaseMs: number) {
  return sql<Date>`clock_timestamp() + ${`${leaseMs} milliseconds`}::interval`;
}

/**
 * The one function that changes an apply job's status. The move must be allowed from the state
 * the caller saw (job-states.ts), and it only happens if the row is still in that state and —
 * for a running job — still leased to `worker` (fencing: a worker whose lease ran out and was
 * taken over moves nothing). A move that ends the job drops its sealed secrets and writes the
 * audit row in the same transaction. Returns whether the move happened.
 */
export async function moveJob(db: Executor, job: ApplyJob, move: JobMove, worker: string): Promise<boolean> {
  const from = job.status as JobState;
  if (!canMove(from, move.to)) throw new IllegalMoveError(from, move.to);
  const kind = jobKind(job.kind);
  const final = isFinal(move.to);
  const set: Record<string, unknown> = { status: move.to, updated_at: sql`now()` };
  if (move.to === "running") {
    Object.assign(set, {
      attempts: sql`attempts + 1`,
      locked_by: worker,
      locked_until: leaseUntil(move.leaseMs),
    });
  } else {
    Object.assign(set, {
      locked_by: null,
      locked_until: null,
      rate_limited: sql`rate_limited + ${move.rateLimited}`,
      last_error: "error" in move ? move.error.message : null,
      error_kind: "error" in move ? move.error.kind : null,
    });
  }
  if (move.to === "queued") {
    set.next_run_at = move.runAt;
    if (move.giveAttemptBack) set.attempts = sql`attempts - 1`;
  }
  if (final) {
    set.finished_at = sql`now()`;
    if (kind.secretPaths.length > 0) {
      set.desired = sql`desired ${sql.raw(kind.secretPaths.map((p) => `#- '{${p.join(",")}}'`).join(" "))}`;
    }
  }

  const run = async (trx: Executor): Promise<boolean> => {
    let update = trx.updateTable("apply_jobs").set(set).where("id", "=", job.id).where("status", "=", from);
    if (from === "running" && move.to !== "running") update = update.where("locked_by", "=", worker);
    const r = await update.executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    if (final) {
      const error = "error" in move ? move.error : null;
      await recordAudit(trx, {
        actorLabel: "apply-worker",
        organizationId: job.organization_id,
        action: kind.auditAction,
        target: job.connection_id,
        outcome: error?.outcome ?? "success",
        details: error
          ? { jobId: job.id, version: job.version, error: error.kind, message: error.message }
          : { jobId: job.id, version: job.version, requestedBy: job.requested_by },
      });
    }
    return true;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
