import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql, type Kysely } from "kysely";
import type { Database, ScheduledJobRow } from "../platform/db/schema";
import { logger } from "../platform/logger.server";
import { createPollingLoop } from "../platform/polling-loop.server";
import { singleton } from "../platform/singleton.server";
import { systemClock, type Clock } from "./clock";
import { observeScheduledRun } from "./metrics.server";
import { SCHEDULED_JOB_CATALOG, type ScheduledJobName } from "./job-catalog";

/**
 * Scheduled jobs: one row per job in `scheduled_jobs`, shared by every runner of every process.
 * A runner takes a due row with `FOR UPDATE SKIP LOCKED` and a lease, runs the job, and only then
 * moves `next_run_at` on to the next slot of the job's period — so however many runners look at
 * once, a job runs once per period; a runner that dies mid-run leaves the row due and leased, and
 * another runner takes it when the lease runs out. Every time comes from the injected clock.
 */

export interface ScheduledJobContext {
  /** The clock's time when the run started. */
  now: Date;
  clock: Clock;
  runnerId: string;
  /** Aborted when the runner stops; a long job should stop between items. */
  signal: AbortSignal;
}

export interface ScheduledJob {
  name: ScheduledJobName;
  /** Returns what it did in words ("3 reminders sent"), shown to support. */
  run(ctx: ScheduledJobContext): Promise<string | void>;
}

export interface SchedulerOptions {
  db: Kysely<Database>;
  jobs: ScheduledJob[];
  clock?: Clock;
  /** Periods by job (SCHEDULED_JOB_PERIODS); the catalog's default otherwise. */
  periods?: Partial<Record<ScheduledJobName, number>>;
  runnerId?: string;
  /** How long a taken job stays reserved without a heartbeat before another runner may take it. */
  leaseMs?: number;
  /** How often an idle runner looks for due jobs. */
  pollMs?: number;
}

export interface Scheduler {
  readonly id: string;
  /** Creates the jobs' rows and takes over configured periods (idempotent). */
  register(): Promise<void>;
  /** Runs every job due now, each once; returns the names run. */
  runDue(): Promise<ScheduledJobName[]>;
  start(): void;
  /** Look for due jobs now (after "Run now" in this process). */
  wake(): void;
  /** Aborts the running job's signal, waits for it, and stops. */
  stop(): Promise<void>;
  /** True once a job threw SimulatedCrash: the runner is "dead" and holds its lease. */
  readonly crashed: boolean;
}

/** Thrown by a job in tests to emulate the process dying mid-run: nothing is recorded. */
export class SchedulerCrash extends Error {
  override name = "SchedulerCrash";
}

/** The first slot of the job's schedule after `now`: missed periods are skipped, not caught up. */
export function nextSlot(dueAt: Date, periodSeconds: number, now: Date): Date {
  const period = periodSeconds * 1000;
  const behind = Math.max(0, now.getTime() - dueAt.getTime());
  return new Date(dueAt.getTime() + (Math.floor(behind / period) + 1) * period);
}

const wakers = singleton("scheduler-wakers", () => new Set<() => void>());

/** Wakes this process's runners (after "Run now"); runners elsewhere see it at their next poll. */
export function wakeSchedulers(): void {
  for (const wake of wakers) wake();
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  const id = options.runnerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const pollMs = options.pollMs ?? 10_000;
  const jobs = new Map(options.jobs.map((j) => [j.name, j]));
  const names = [...jobs.keys()];
  const log = logger.child({ component: "scheduler", runner: id });
  const abort = new AbortController();
  let crashed = false;

  const periodOf = (name: ScheduledJobName) =>
    options.periods?.[name] ?? SCHEDULED_JOB_CATALOG[name].defaultPeriodSeconds;

  async function register(): Promise<void> {
    const now = clock.now();
    for (const name of names) {
      // A changed period applies from the last run: shorter means sooner, never later than planned.
      await sql`
        insert into scheduled_jobs (name, period_seconds, next_run_at, updated_at)
        values (${name}, ${periodOf(name)}, ${now}, ${now})
        on conflict (name) do update
          set period_seconds = excluded.period_seconds,
              next_run_at = case
                when scheduled_jobs.period_seconds = excluded.period_seconds then scheduled_jobs.next_run_at
                else least(scheduled_jobs.next_run_at,
                           coalesce(scheduled_jobs.last_finished_at, excluded.next_run_at)
                             + make_interval(secs => excluded.period_seconds))
              end,
              updated_at = excluded.updated_at
      `.execute(db);
    }
  }

  async function claim(now: Date): Promise<ScheduledJobRow | undefined> {
    if (names.length === 0) return undefined;
    const until = new Date(now.getTime() + leaseMs);
    const result = await sql<ScheduledJobRow>`
      with next as (
        select name from scheduled_jobs
         where name in (${sql.join(names)})
           and next_run_at <= ${now}
           and (locked_until is null or locked_until <= ${now})
         order by next_run_at, name
         limit 1
         for update skip locked
      )
      update scheduled_jobs s
         set locked_by = ${id}, locked_until = ${until}, last_started_at = ${now},
             run_requested_by = null, updated_at = ${now}
        from next
       where s.name = next.name
      returning s.*
    `.execute(db);
    return result.rows[0];
  }

  /** Keeps the lease while the job runs, so a long run is not taken over by another runner. */
  function heartbeat(name: string): () => void {
    const timer = setInterval(
      () => {
        void db
          .updateTable("scheduled_jobs")
          .set({ locked_until: new Date(clock.now().getTime() + leaseMs) })
          .where("name", "=", name)
          .where("locked_by", "=", id)
          .execute()
          .catch((err: Error) => log.warn({ job: name, err: err.message }, "scheduled job lease not extended"));
      },
      Math.max(1000, leaseMs / 3),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  async function runOne(row: ScheduledJobRow): Promise<void> {
    const name = row.name as ScheduledJobName;
    const job = jobs.get(name)!;
    const startedAt = clock.now();
    const started = performance.now();
    const lagMs = Math.max(0, startedAt.getTime() - new Date(row.next_run_at).getTime());
    const stopHeartbeat = heartbeat(name);
    let outcome: "succeeded" | "failed" = "succeeded";
    let summary: string | null = null;
    let error: string | null = null;
    try {
      summary = (await job.run({ now: startedAt, clock, runnerId: id, signal: abort.signal })) || null;
    } catch (err) {
      if (err instanceof SchedulerCrash) {
        stopHeartbeat();
        throw err;
      }
      outcome = "failed";
      error = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
      log.warn({ job: name, err: error }, "scheduled job failed");
    } finally {
      stopHeartbeat();
    }
    const finishedAt = clock.now();
    const durationMs = Math.round(performance.now() - started);
    const result = await db
      .updateTable("scheduled_jobs")
      .set({
        locked_by: null,
        locked_until: null,
        last_finished_at: finishedAt,
        last_outcome: outcome,
        last_error: error,
        last_summary: summary,
        last_duration_ms: durationMs,
        runs: sql`runs + 1`,
        failures: sql`failures + ${outcome === "failed" ? 1 : 0}`,
        next_run_at: nextSlot(new Date(row.next_run_at), row.period_seconds, finishedAt),
        updated_at: finishedAt,
      })
      .where("name", "=", name)
      .where("locked_by", "=", id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      log.warn({ job: name }, "scheduled job outlived its lease; another runner has taken it");
    }
    observeScheduledRun(name, outcome, durationMs, lagMs);
  }

  async function runDue(): Promise<ScheduledJobName[]> {
    const ran: ScheduledJobName[] = [];
    while (!crashed && !abort.signal.aborted) {
      const row = await claim(clock.now());
      if (!row) break;
      try {
        await runOne(row);
      } catch (err) {
        if (err instanceof SchedulerCrash) {
          crashed = true;
          break;
        }
        throw err;
      }
      ran.push(row.name as ScheduledJobName);
    }
    return ran;
  }

  const loop = createPollingLoop({
    pollMs,
    prepare: register,
    turn: async () => {
      await runDue();
      return crashed ? "halt" : "idle";
    },
    onError: (err, during) =>
      log.error(
        { err: err.message },
        during === "prepare" ? "scheduled jobs could not be registered" : "scheduler could not take a job",
      ),
  });
  const wake = () => loop.wake();

  return {
    id,
    register,
    runDue,
    wake,
    get crashed() {
      return crashed;
    },
    start() {
      if (loop.running || crashed) return;
      wakers.add(wake);
      loop.start();
    },
    async stop() {
      wakers.delete(wake);
      abort.abort(new Error("scheduler stopping"));
      await loop.stop();
    },
  };
}
