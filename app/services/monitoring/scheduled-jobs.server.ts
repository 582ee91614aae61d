import { recordAuditOf } from "../audit/audit.server";
import { assertSupportPermission } from "../identity/authorize.server";
import type { SupportScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import { systemClock, type Clock } from "./clock";
import { isScheduledJobName, SCHEDULED_JOB_CATALOG } from "./job-catalog";
import { wakeSchedulers } from "./scheduler.server";

/** Scheduled jobs as support sees them: what each does, when it last ran and how, when next. */
export interface ScheduledJobView {
  name: string;
  title: string;
  description: string;
  periodSeconds: number;
  nextRunAt: Date;
  running: boolean;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastOutcome: "succeeded" | "failed" | null;
  lastError: string | null;
  lastSummary: string | null;
  lastDurationMs: number | null;
  runs: number;
  failures: number;
  runRequestedBy: string | null;
}

export async function listScheduledJobs(scope: SupportScope, clock: Clock = systemClock): Promise<ScheduledJobView[]> {
  assertSupportPermission(scope, "support:jobs:read");
  const db = await getDb();
  const now = clock.now();
  const rows = await db.selectFrom("scheduled_jobs").selectAll().orderBy("name").execute();
  return rows.map((r) => {
    const info = isScheduledJobName(r.name) ? SCHEDULED_JOB_CATALOG[r.name] : undefined;
    return {
      name: r.name,
      title: info?.title ?? r.name,
      description: info?.description ?? "No longer run by this version of the portal.",
      periodSeconds: r.period_seconds,
      nextRunAt: new Date(r.next_run_at),
      running: r.locked_until !== null && new Date(r.locked_until) > now,
      lastStartedAt: r.last_started_at && new Date(r.last_started_at),
      lastFinishedAt: r.last_finished_at && new Date(r.last_finished_at),
      lastOutcome: r.last_outcome,
      lastError: r.last_error,
      lastSummary: r.last_summary,
      lastDurationMs: r.last_duration_ms,
      runs: r.runs,
      failures: r.failures,
      runRequestedBy: r.run_requested_by,
    };
  });
}

/**
 * "Run now" (support leads): the job becomes due at once; the next runner to look takes it (this
 * process's at once). A job already running is not started twice: it stays leased.
 */
export async function requestRun(
  scope: SupportScope,
  name: string,
  clock: Clock = systemClock,
): Promise<{ ok: true; title: string } | { ok: false; error: string }> {
  assertSupportPermission(scope, "support:jobs:run");
  const db = await getDb();
  const now = clock.now();
  const updated = await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("scheduled_jobs")
      .set({ next_run_at: now, run_requested_by: scope.user.email, updated_at: now })
      .where("name", "=", name)
      .returning("name")
      .executeTakeFirst();
    if (!row) return false;
    await recordAuditOf(trx, scope, { action: "scheduled_job.run_requested", target: name });
    return true;
  });
  if (!updated) return { ok: false, error: "There is no scheduled job of that name." };
  wakeSchedulers();
  return { ok: true, title: isScheduledJobName(name) ? SCHEDULED_JOB_CATALOG[name].title : name };
}
