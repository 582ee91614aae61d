import { sql, type Kysely } from "kysely";

/**
 * Scheduled jobs (certificate expiry, metadata refresh, drift check, e-mail retries): one row per
 * job, whatever the number of portal instances and workers. A runner takes a due row with
 * `FOR UPDATE SKIP LOCKED` and holds a lease (`locked_until`); the next run is set only when the
 * run finishes, so a runner that dies mid-run leaves the row due, and it is taken again once the
 * lease has run out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("scheduled_jobs")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("period_seconds", "integer", (c) => c.notNull().check(sql`period_seconds > 0`))
    .addColumn("next_run_at", "timestamptz", (c) => c.notNull())
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "timestamptz")
    .addColumn("last_started_at", "timestamptz")
    .addColumn("last_finished_at", "timestamptz")
    .addColumn("last_outcome", "text", (c) => c.check(sql`last_outcome in ('succeeded', 'failed')`))
    .addColumn("last_error", "text")
    .addColumn("last_summary", "text")
    .addColumn("last_duration_ms", "integer")
    .addColumn("runs", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("run_requested_by", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("scheduled_jobs").ifExists().execute();
}
