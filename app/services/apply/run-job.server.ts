import type { Kysely } from "kysely";
import { InvalidOptionsError } from "../auth0/errors";
import type { Auth0Gateway } from "../auth0/gateway.server";
import type { SystemOrgScope } from "../identity/scope.server";
import { findScopedOrganization } from "../organizations/scoped-organization.server";
import type { ApplyJob } from "../platform/db/schema";
import type { Database } from "../platform/db/schema";
import type { Logger } from "pino";
import { SecretOpenError, type SecretsKey } from "../platform/secrets.server";
import { jobKind } from "./kinds/registry.server";
import type { ResourceLocks } from "./locks.server";
import type { JobRun, StepResult } from "./kinds/job-kind";
import { moveJob } from "./move-job.server";
import { holdsLease, recordStepDone } from "./queue.server";
import { moveAfterError, type Backoff } from "./retry-policy.server";
import type { Executor } from "../platform/db.server";

/**
 * Runs one claimed job: its kind's steps not yet recorded, each holding the locks of the resources
 * the kind reads and writes back (locks.server.ts) and recorded done as it ends; then the move that
 * ends the job (or sends it back to the queue).
 */

/** Thrown by a crash hook to emulate the process dying at that point (tests). */
export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

export interface CrashPoint {
  jobId: string;
  step: string;
  /** after-write: Auth0 changed, not yet recorded (rolled back); after-commit: recorded. */
  phase: "after-write" | "after-commit";
}

export interface JobRunner {
  db: Kysely<Database>;
  worker: string;
  leaseMs: number;
  backoff: Backoff;
  /** The locks steps hold (per resource, or tenant-wide: APPLY_LOCK_SCOPE). */
  locks: ResourceLocks;
  /**
   * A gateway auditing refusals into `db` (the step's unit); its budget is the shared one (a long
   * wait for it does not cost the lease: the worker's heartbeat renews it).
   */
  gateway(db: Executor, rateLimited: { count: number }): Auth0Gateway;
  secretsKey: () => SecretsKey;
  crash?: (point: CrashPoint) => void | Promise<void>;
  log: Logger;
}

type StepOutcome = { done: StepResult } | { error: unknown } | { lost: true };

async function scopeOf(db: Kysely<Database>, job: ApplyJob): Promise<SystemOrgScope | undefined> {
  const org = await findScopedOrganization(db, { id: job.organization_id });
  return org && { kind: "system", actor: "apply-worker", org };
}

/**
 * One step under its resources' locks: the fencing check, the step, then — committed together —
 * the step's own rows and the record that it is done. A crash before that commit repeats the step,
 * which is idempotent.
 */
async function runStep(
  r: JobRunner,
  job: ApplyJob,
  step: string,
  run: JobRun,
  resources: readonly string[],
  rateLimited: { count: number },
): Promise<StepOutcome> {
  return r.locks.hold(resources, async (unit): Promise<StepOutcome> => {
    // Fencing: if the lease ran out and another worker took the job, stop here.
    if (!(await holdsLease(unit.db, job.id, r.worker))) return { lost: true };
    let result: StepResult;
    try {
      result = await run.run(step, r.gateway(unit.db, rateLimited), unit.db);
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      return { error: err };
    }
    await r.crash?.({ jobId: job.id, step, phase: "after-write" });
    const connectionId = result.connectionId !== undefined ? result.connectionId : job.connection_id;
    let recorded = false;
    await unit.commit(async (trx) => {
      // Still ours? (A lease taken over meanwhile: the new holder repeats the step.)
      recorded = await recordStepDone(trx, job, step, connectionId, r.leaseMs, r.worker);
      if (recorded) await result.record?.(trx);
    });
    if (!recorded) return { lost: true };
    job.steps_done = [...job.steps_done, step];
    job.connection_id = connectionId;
    return { done: result };
  });
}

/** Sends the job where its error says (retry-policy), and tells operators when that is the end. */
export async function failJob(r: JobRunner, job: ApplyJob, err: unknown, rateLimited: number): Promise<void> {
  const move = moveAfterError(err, job, r.backoff, rateLimited);
  await moveJob(r.db, job, move, r.worker);
  if (move.to === "failed" || move.to === "dead") {
    // The SecretOpenError's own message names the key ids (never the key or the secret): for operators.
    const detail = err instanceof SecretOpenError ? { reason: err.reason, detail: err.message } : {};
    r.log.warn({ jobId: job.id, kind: move.error.kind, message: move.error.message, ...detail }, "apply job failed");
  }
}

/** Runs a claimed job to its end or back to the queue; throws SimulatedCrash through. */
export async function runJob(r: JobRunner, job: ApplyJob): Promise<void> {
  const scope = await scopeOf(r.db, job);
  if (!scope) {
    await failJob(r, job, new InvalidOptionsError("The organization no longer exists.", null), 0);
    return;
  }
  const kind = jobKind(job.kind);
  const run = kind.begin(job, scope, r.secretsKey);
  const rateLimited = { count: 0 };
  const resources = run.locks(r.gateway(r.db, rateLimited));
  for (const step of kind.steps) {
    if (job.steps_done.includes(step)) continue;
    let outcome: StepOutcome;
    try {
      outcome = await runStep(r, job, step, run, resources, rateLimited);
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      outcome = { error: err };
    }
    if ("lost" in outcome) return;
    if ("error" in outcome) {
      await failJob(r, job, outcome.error, rateLimited.count);
      return;
    }
    await r.crash?.({ jobId: job.id, step, phase: "after-commit" });
    if (outcome.done.stop) break;
  }
  await moveJob(r.db, job, { to: "succeeded", rateLimited: rateLimited.count }, r.worker);
}
