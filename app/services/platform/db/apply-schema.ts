/**
 * The apply engine's table types, which live in schema.ts with every other table (no declaration
 * merging). Re-exported here so the apply code's imports stay as they are.
 */
export type { ApplyJob, ApplyJobKind, ApplyJobStatus, ApplyJobsTable, ApplyRateBudgetTable } from "./schema";
