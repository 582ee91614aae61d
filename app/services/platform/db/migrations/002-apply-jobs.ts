import { sql, type Kysely } from "kysely";

/**
 * The apply engine's queue (one row per change to push to Auth0) and the client-side rate budget
 * all workers share (one token bucket row per Auth0 tenant).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("apply_jobs")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('apply', 'remove')`))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("desired", "jsonb", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("queued")
        .check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'dead')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (c) => c.notNull().defaultTo(8))
    .addColumn("next_run_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "timestamptz")
    .addColumn("steps_done", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("connection_id", "text")
    .addColumn("last_error", "text")
    .addColumn("error_kind", "text")
    .addColumn("rate_limited", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .execute();
  // Workers look for due work; a partial index keeps that cheap however many finished jobs pile up.
  await sql`create index apply_jobs_due on apply_jobs (next_run_at, id) where status in ('queued', 'running')`.execute(
    db,
  );
  await db.schema.createIndex("apply_jobs_org").on("apply_jobs").columns(["organization_id", "id"]).execute();

  await db.schema
    .createTable("apply_rate_budget")
    .addColumn("tenant", "text", (c) => c.primaryKey())
    .addColumn("tokens", "float8", (c) => c.notNull())
    .addColumn("capacity", "float8", (c) => c.notNull())
    .addColumn("refill_per_second", "float8", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("apply_rate_budget").ifExists().execute();
  await db.schema.dropTable("apply_jobs").ifExists().execute();
}
