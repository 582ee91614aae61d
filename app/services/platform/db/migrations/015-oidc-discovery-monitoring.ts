import type { Kysely } from "kysely";

/**
 * The metadata monitor also watches OIDC discovery URLs (ADR 015): the discovery document's
 * validators are kept in `metadata_etag` / `metadata_last_modified`, its key set's (jwks_uri) here,
 * so both are asked for conditionally.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("organization_health")
    .addColumn("jwks_etag", "text")
    .addColumn("jwks_last_modified", "text")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("organization_health").dropColumn("jwks_last_modified").dropColumn("jwks_etag").execute();
}
