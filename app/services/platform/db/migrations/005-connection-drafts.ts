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

  // Where one administrator is in the setup wizard (what they typed, the last check's report), so
  // that every step posts, Back works and nothing typed is lost, with or without JavaScript. A
  // client secret in it is sealed; an uploaded document is kept only until the draft is saved.
  await db.schema
    .createTable("connection_setup_progress")
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("input", "jsonb", (c) => c.notNull())
    .addColumn("report", "jsonb")
    .addColumn("draft_version", "integer")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("connection_setup_progress_pkey", ["organization_id", "user_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("connection_setup_progress").ifExists().execute();
  await db.schema.dropTable("connection_drafts").ifExists().execute();
}
