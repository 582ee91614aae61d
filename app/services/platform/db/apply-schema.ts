import type { ColumnType, Generated, Selectable } from "kysely";

/**
 * Tables of migration 002-apply-jobs, added to `Database` by declaration merging so that
 * schema.ts stays untouched by this feature.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type ApplyJobStatus = "queued" | "running" | "succeeded" | "failed" | "dead";
/** A kind registered in app/services/apply/kinds/registry.server.ts ("apply", "remove", …). */
export type ApplyJobKind = string;

export interface ApplyJobsTable {
  id: Generated<string>;
  organization_id: string;
  kind: ApplyJobKind;
  version: number;
  desired: Json<unknown>;
  status: Generated<ApplyJobStatus>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  next_run_at: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  steps_done: ColumnType<string[], string | undefined, string>;
  connection_id: string | null;
  last_error: string | null;
  error_kind: string | null;
  rate_limited: Generated<number>;
  requested_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface ApplyRateBudgetTable {
  tenant: string;
  tokens: number;
  capacity: number;
  refill_per_second: number;
  updated_at: Timestamp;
}

export type ApplyJob = Selectable<ApplyJobsTable>;

declare module "./schema" {
  interface Database {
    apply_jobs: ApplyJobsTable;
    apply_rate_budget: ApplyRateBudgetTable;
  }
}
