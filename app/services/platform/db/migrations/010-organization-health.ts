import { sql, type Kysely } from "kysely";

/**
 * What the monitoring jobs last found for each organization (app/services/monitoring/): the
 * soonest expiry of its live signing certificate, whether Auth0 still holds what the portal last
 * applied (drift), and its metadata URL's last check. One row per organization, written by the
 * jobs, read by the support dashboard in the same query as the organization.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("organization_health")
    .addColumn("organization_id", "uuid", (c) => c.primaryKey().references("organizations.id").onDelete("cascade"))
    .addColumn("cert_not_after", "timestamptz")
    .addColumn("cert_fingerprint", "text")
    .addColumn("cert_version", "integer")
    .addColumn("cert_checked_at", "timestamptz")
    .addColumn("drift_status", "text", (c) => c.check(sql`drift_status in ('in_sync', 'drifted', 'missing', 'error')`))
    .addColumn("drift_fields", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("drift_version", "integer")
    .addColumn("drift_error", "text")
    .addColumn("drift_checked_at", "timestamptz")
    .addColumn("metadata_url", "text")
    .addColumn("metadata_status", "text", (c) =>
      c.check(sql`metadata_status in ('unchanged', 'rotated', 'changed', 'unreachable', 'invalid')`),
    )
    .addColumn("metadata_error", "text")
    .addColumn("metadata_etag", "text")
    .addColumn("metadata_last_modified", "text")
    .addColumn("metadata_fingerprints", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("metadata_checked_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("organization_health_cert").on("organization_health").column("cert_not_after").execute();
  // The drift job checks the organizations checked longest ago first.
  await db.schema
    .createIndex("organization_health_drift_checked")
    .on("organization_health")
    .column("drift_checked_at")
    .execute();
  // The monitoring jobs and the dashboard read each organization's last applied configuration.
  await sql`create index apply_jobs_org_succeeded on apply_jobs (organization_id, id desc) where status = 'succeeded'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists apply_jobs_org_succeeded`.execute(db);
  await db.schema.dropTable("organization_health").ifExists().execute();
}
