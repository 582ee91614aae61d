import { sql, type Kysely } from "kysely";

/**
 * Indexes for the pages measured at scale (issue 16, `npm run bench:portal`):
 * - an organization's newest changes (the SSO page's outcomes, newest first by id);
 * - the support dashboard's "needs attention" set, read without scoring every organization:
 *   organizations with a pending change, with a failed apply job, drifted or with a failing
 *   metadata URL (partial indexes: only the few rows that need attention are in them);
 * - organizations by name (the dashboard's "Name" order, paged).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index change_requests_org_recent on change_requests (organization_id, id desc)`.execute(db);
  await sql`create index change_requests_pending_org on change_requests (organization_id) where state = 'pending_review'`.execute(
    db,
  );
  await sql`create index apply_jobs_org_failed on apply_jobs (organization_id) where status in ('failed', 'dead')`.execute(
    db,
  );
  await sql`create index organization_health_attention on organization_health (organization_id)
             where drift_status in ('drifted', 'missing') or metadata_status in ('unreachable', 'invalid')`.execute(db);
  await sql`create index organizations_name on organizations (name, slug)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    "organizations_name",
    "organization_health_attention",
    "apply_jobs_org_failed",
    "change_requests_pending_org",
    "change_requests_org_recent",
  ])
    await sql`drop index if exists ${sql.id(name)}`.execute(db);
}
