import { sql, type Kysely } from "kysely";

/**
 * The e-mail domains an organization signs in with. A domain is pending until it is proved by a
 * DNS TXT record (or by a support lead, by hand, with a reason); only verified domains reach the
 * organization's connection (`domain_aliases`). A domain verified by one organization cannot be
 * verified by another: a unique index over verified rows, whatever the spelling's case.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("organization_domains")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) =>
      c.notNull().check(sql`domain = lower(domain) and length(domain) between 3 and 253`),
    )
    .addColumn("token", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("created_by_label", "text", (c) => c.notNull())
    .addColumn("verified_at", "timestamptz")
    .addColumn("verified_by_label", "text")
    .addColumn("verification_method", "text", (c) => c.check(sql`verification_method in ('dns', 'manual')`))
    .addColumn("manual_reason", "text")
    .addColumn("last_checked_at", "timestamptz")
    .addColumn("last_check_error", "text")
    .addCheckConstraint(
      "organization_domains_verified_how",
      sql`(verified_at is null and verification_method is null) or (verified_at is not null and verification_method is not null)`,
    )
    .addCheckConstraint(
      "organization_domains_manual_reason",
      sql`verification_method is distinct from 'manual' or length(coalesce(manual_reason, '')) > 0`,
    )
    .execute();
  await sql`create unique index organization_domains_org_domain on organization_domains (organization_id, domain)`.execute(
    db,
  );
  await sql`create unique index organization_domains_verified_once on organization_domains (domain) where verified_at is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("organization_domains").ifExists().execute();
}
