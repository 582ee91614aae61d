import { sql, type Kysely } from "kysely";
import type { ApplyJob } from "../platform/db/schema";
import type { Database } from "../platform/db/schema";
import { leaseUntil, moveJob } from "./move-job.server";
import { normalizeJob } from "./jobs.server";
import type { Executor } from "../platform/db.server";

/**
 * The queue side of the apply engine: which job a worker takes next (claim), how long it keeps it
 * (lease), and how a step proves the job is still its own (fencing) before it acts and when it
 * records itself done.
 *
 * A claim takes the oldest due job whose organization has no older open job (per-organization
 * FIFO: two versions of one organization never run at once and land in order), with
 * `FOR UPDATE SKIP LOCKED` so any number of workers in any number of processes share the queue.
 * A running job whose lease ran out — or that the same worker id held before a restart — can be
 * taken again.
 */

export interface ClaimOptions {
  /**
   * The worker whose slot claims (`<worker>#<n>`): a running job leased to any slot of that
   * worker is its own, left by a restart, and taken back at once — unless it is in `busy` (the
   * jobs its slots are running right now), which are never claimed. Default: only jobs leased to
   * `worker` itself.
   */
  owner?: string;
  busy?: readonly string[];
}

export async function claimNext(
  db: Kysely<Database>,
  worker: string,
  leaseMs: number,
  options: ClaimOptions = {},
): Promise<ApplyJob | undefined> {
  // Jobs this worker's slots are running are never claimed again by it, not even once their lease
  // ran out (another worker may take those; fencing stops the slower one).
  const notBusy = options.busy?.length
    ? sql`and j.id not in (${sql.join(options.busy.map((id) => sql`${id}`))})`
    : sql``;
  const own = options.owner ? sql`split_part(j.locked_by, '#', 1) = ${options.owner}` : sql`j.locked_by = ${worker}`;
  return db.transaction().execute(async (trx) => {
    const result = await sql<ApplyJob>`
      select j.*
        from apply_jobs j
       where ((j.status = 'queued' and j.next_run_at <= now())
              or (j.status = 'running' and (j.locked_until < now() or ${own})))
         ${notBusy}
         and not exists (
               select 1 from apply_jobs o
                where o.organization_id = j.organization_id and o.id < j.id
                  and o.status in ('queued', 'running'))
       order by j.next_run_at, j.id
       limit 1
       for update skip locked
    `.execute(trx);
    const row = result.rows[0];
    if (!row) return undefined;
    const job = normalizeJob(row);
    if (!(await moveJob(trx, job, { to: "running", leaseMs }, worker))) return undefined;
    return { ...job, status: "running", attempts: job.attempts + 1, locked_by: worker };
  });
}

/** Fencing: whether the job is still running under this worker's lease (read inside the step's transaction). */
export async function holdsLease(db: Executor, jobId: string, worker: string): Promise<boolean> {
  const row = await db
    .selectFrom("apply_jobs")
    .select(["locked_by", "status"])
    .where("id", "=", jobId)
    .executeTakeFirst();
  return row?.locked_by === worker && row.status === "running";
}

/**
 * Records a step as done (with the connection it acted on) and extends the lease — only while the
 * job is still running under this worker's lease; false when it is not (fencing).
 */
export async function recordStepDone(
  db: Executor,
  job: ApplyJob,
  step: string,
  connectionId: string | null,
  leaseMs: number,
  worker: string,
): Promise<boolean> {
  const r = await db
    .updateTable("apply_jobs")
    .set({
      steps_done: JSON.stringify([...job.steps_done, step]),
      connection_id: connectionId,
      locked_until: leaseUntil(leaseMs),
      updated_at: sql`now()`,
    })
    .where("id", "=", job.id)
    .where("status", "=", "running")
    .where("locked_by", "=", worker)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * The heartbeat of a live worker: extends the lease of every job its slots are running (`held`:
 * each job with the slot that leased it), whatever the job is doing — a step waiting many seconds
 * for the shared budget on a small plan is alive, not stuck. Only jobs still running under that
 * slot's lease are extended (fencing); returns how many were.
 */
export async function renewLeases(
  db: Executor,
  held: readonly { jobId: string; worker: string }[],
  leaseMs: number,
): Promise<number> {
  if (held.length === 0) return 0;
  const r = await db
    .updateTable("apply_jobs")
    .set({ locked_until: leaseUntil(leaseMs) })
    .where("status", "=", "running")
    .where((eb) => eb.or(held.map((h) => eb.and([eb("id", "=", h.jobId), eb("locked_by", "=", h.worker)]))))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
