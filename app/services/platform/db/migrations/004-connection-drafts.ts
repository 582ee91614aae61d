import { sql, type Kysely } from "kysely";

/**
 * An organization's SSO draft: at most one per organization (the primary key), the normalized
 * configuration the setup wizard saved (an OIDC client secret in it only sealed), its validation
 * report and where the IdP's side came from. `version` is the optimistic concurrency check: every
 * save names the version it edited and bumps it. `state` is the seam for submission: a draft is
 * editable while it is `draft`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("connection_drafts")
    .addColumn("organization_id", "uuid", (c) => c.primaryKey().references("organizations.id").onDelete("cascade"))
    .addColumn("protocol", "text", (c) => c.notNull().check(sql`protocol in ('saml', 'oidc')`))
    .addColumn("idp", "text", (c) => c.notNull())
    .addColumn("configuration", "jsonb", (c) => c.notNull())
    .addColumn("report", "jsonb", (c) => c.notNull())
    .addColumn("source", "jsonb", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().defaultTo("draft"))
    .addColumn("version", "integer", (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn("author_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("author_label", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("connection_drafts").ifExists().execute();
}
