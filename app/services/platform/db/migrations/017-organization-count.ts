import { sql, type Kysely } from "kysely";

/**
 * The number of organizations, kept by the database itself (issue 16): the support dashboard's pager
 * shows it on every view, and counting 10,000 organizations was a sequential scan each time (about
 * 2 ms of the portal's CPU on PGlite, whose engine runs in the portal's process; PGlite never
 * vacuums, so an index-only count would read the table as well). One row, updated by statement-level
 * triggers with transition tables: one update per statement however many organizations it inserts
 * or deletes, in the same transaction, so every reader sees the count of the rows it can see.
 * Creating an organization is rare; the update serializes concurrent creations, which is harmless.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table organization_count (
              only_row boolean primary key default true check (only_row),
              n bigint not null)`.execute(db);
  // Migrations run in one transaction: held until the triggers exist, the lock keeps an organization
  // created meanwhile by another process from being left out of the count.
  await sql`lock table organizations in share row exclusive mode`.execute(db);
  await sql`insert into organization_count (n) select count(*) from organizations`.execute(db);
  await sql`create function organization_count_added() returns trigger language plpgsql as $$
              begin
                update organization_count set n = n + (select count(*) from added_organizations);
                return null;
              end $$`.execute(db);
  await sql`create function organization_count_removed() returns trigger language plpgsql as $$
              begin
                update organization_count set n = n - (select count(*) from removed_organizations);
                return null;
              end $$`.execute(db);
  await sql`create function organization_count_truncated() returns trigger language plpgsql as $$
              begin
                update organization_count set n = 0;
                return null;
              end $$`.execute(db);
  await sql`create trigger organization_count_insert after insert on organizations
              referencing new table as added_organizations
              for each statement execute function organization_count_added()`.execute(db);
  await sql`create trigger organization_count_delete after delete on organizations
              referencing old table as removed_organizations
              for each statement execute function organization_count_removed()`.execute(db);
  await sql`create trigger organization_count_truncate after truncate on organizations
              for each statement execute function organization_count_truncated()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const trigger of ["organization_count_truncate", "organization_count_delete", "organization_count_insert"])
    await sql`drop trigger if exists ${sql.id(trigger)} on organizations`.execute(db);
  for (const fn of ["organization_count_truncated", "organization_count_removed", "organization_count_added"])
    await sql`drop function if exists ${sql.id(fn)}()`.execute(db);
  await sql`drop table if exists organization_count`.execute(db);
}
