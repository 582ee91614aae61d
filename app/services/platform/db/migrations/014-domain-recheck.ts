import type { Kysely } from "kysely";

/**
 * Verified domains are re-checked on schedule (ADR 014): a verified domain whose TXT record is gone
 * counts failed checks from the first one (`recheck_failing_since`); past the grace rule it loses
 * its verification (`verification_lost_at`, why in `verification_lost_reason`) and leaves the
 * connection's `domain_aliases`. A transient DNS failure is not counted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("organization_domains")
    .addColumn("recheck_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("recheck_failing_since", "timestamptz")
    .addColumn("verification_lost_at", "timestamptz")
    .addColumn("verification_lost_reason", "text")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("organization_domains")
    .dropColumn("verification_lost_reason")
    .dropColumn("verification_lost_at")
    .dropColumn("recheck_failing_since")
    .dropColumn("recheck_failures")
    .execute();
}
