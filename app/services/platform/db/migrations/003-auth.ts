import { sql, type Kysely } from "kysely";

/**
 * Setup links (invitations). Only the SHA-256 of the token is stored, so a database leak gives no
 * usable link. `uses` counts acceptances; a link is usable while uses < max_uses, it has not
 * expired and nobody revoked it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("invitations")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('org_admin', 'org_viewer')`))
    .addColumn("created_by_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_by_label", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("max_uses", "integer", (c) => c.notNull().check(sql`max_uses between 1 and 100`))
    .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoked_by_label", "text")
    .addColumn("note", "text")
    .addCheckConstraint("invitations_uses_within_max", sql`uses >= 0 and uses <= max_uses`)
    .execute();
  await db.schema.createIndex("invitations_organization").on("invitations").column("organization_id").execute();
  await db.schema.createIndex("invitations_created_by").on("invitations").column("created_by_user_id").execute();

  await db.schema
    .createTable("invitation_acceptances")
    .addColumn("invitation_id", "uuid", (c) => c.notNull().references("invitations.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("accepted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("invitation_acceptances_pkey", ["invitation_id", "user_id"])
    .execute();

  // Sign-in sessions are looked up by user for "sign out everywhere" (index in 001) and swept by expiry.
  await db.schema.createIndex("sessions_absolute_expiry").on("sessions").column("absolute_expires_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("sessions_absolute_expiry").ifExists().execute();
  await db.schema.dropTable("invitation_acceptances").ifExists().execute();
  await db.schema.dropTable("invitations").ifExists().execute();
}
