import { sql, type Kysely } from "kysely";

/**
 * Test logins and the live connection's history.
 *
 * `test_logins`: one row per "Test login", recorded against the configuration version that was
 * staged on the organization's `-test` connection when it started; the result (who signed in,
 * the claims and the IdP's attributes, each check with its value, or Auth0's error and its
 * explained cause) arrives at the callback. Tokens are never stored.
 *
 * `live_events`: every change of the live connection — go live, roll back (with the desired
 * configuration written, secrets sealed, so an earlier one can be written back), and a support
 * lead's disable / enable with the reason.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("test_logins")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("protocol", "text", (c) => c.notNull().check(sql`protocol in ('saml', 'oidc')`))
    .addColumn("connection_name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("started_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("started_by_label", "text", (c) => c.notNull())
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("pending")
        .check(sql`status in ('pending', 'passed', 'failed')`),
    )
    .addColumn("finished_at", "timestamptz")
    .addColumn("subject", "text")
    .addColumn("claims", "jsonb")
    .addColumn("attributes", "jsonb")
    .addColumn("checks", "jsonb")
    .addColumn("error", "text")
    .addColumn("error_description", "text")
    .addColumn("cause", "text")
    .execute();
  await sql`create index test_logins_org_started on test_logins (organization_id, started_at desc)`.execute(db);

  await db.schema
    .createTable("live_events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("protocol", "text", (c) => c.notNull().check(sql`protocol in ('saml', 'oidc')`))
    .addColumn("action", "text", (c) => c.notNull().check(sql`action in ('go-live', 'roll-back', 'disable', 'enable')`))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("test_login_id", "uuid", (c) => c.references("test_logins.id").onDelete("set null"))
    .addColumn("desired", "jsonb")
    .addColumn("job_id", "bigint")
    .addColumn("actor_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("actor_label", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "live_events_reason",
      sql`action not in ('disable', 'enable') or length(coalesce(reason, '')) > 0`,
    )
    .execute();
  await sql`create index live_events_org on live_events (organization_id, id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("live_events").ifExists().execute();
  await db.schema.dropTable("test_logins").ifExists().execute();
}
