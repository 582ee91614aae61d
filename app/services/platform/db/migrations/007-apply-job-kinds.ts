import { sql, type Kysely } from "kysely";

/**
 * Apply job kinds are named by the engine's registry (app/services/apply/kinds/registry.server.ts),
 * which refuses an unknown kind at enqueue: the table no longer lists them, so a new kind (an
 * organization's lifecycle, go-live) needs no migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table apply_jobs drop constraint if exists apply_jobs_kind_check`.execute(db);
  await sql`alter table apply_jobs add constraint apply_jobs_kind_named check (kind ~ '^[a-z][a-z0-9-]{0,62}$')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table apply_jobs drop constraint if exists apply_jobs_kind_named`.execute(db);
  await sql`alter table apply_jobs add constraint apply_jobs_kind_check check (kind in ('apply', 'remove'))`.execute(
    db,
  );
}
