import { sql, type Kysely } from "kysely";

/**
 * Change requests (one immutable desired configuration of an organization's connection and its
 * review), the risk policies a support lead sets, the organizations marked trusted, and the mail
 * outbox (the queue every notification goes through; in local mode also where mail is read).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("change_requests")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("protocol", "text", (c) => c.notNull().check(sql`protocol in ('saml', 'oidc')`))
    .addColumn("desired", "jsonb", (c) => c.notNull())
    .addColumn("report", "jsonb", (c) => c.notNull())
    .addColumn("verdict", "text", (c) => c.notNull().check(sql`verdict in ('ok', 'warn', 'error')`))
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("secret_changed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("base_change_id", "bigint", (c) => c.references("change_requests.id"))
    .addColumn("base_version", "integer")
    .addColumn("restored_version", "integer")
    .addColumn("state", "text", (c) =>
      c
        .notNull()
        .defaultTo("draft")
        .check(
          sql`state in ('draft', 'pending_review', 'approved', 'applying', 'applied', 'failed', 'rejected', 'withdrawn', 'superseded')`,
        ),
    )
    .addColumn("risk", "text", (c) => c.notNull().check(sql`risk in ('low', 'medium', 'high')`))
    .addColumn("policy_rule", "text", (c) => c.notNull())
    .addColumn("policy_reason", "text", (c) => c.notNull())
    .addColumn("author_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("author_label", "text", (c) => c.notNull())
    .addColumn("reviewer_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("reviewer_label", "text")
    .addColumn("reviewed_at", "timestamptz")
    .addColumn("reason", "text")
    .addColumn("version", "integer")
    .addColumn("apply_job_id", "bigint")
    .addColumn("apply_error", "text")
    .addColumn("apply_retryable", "boolean")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("submitted_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("applied_at", "timestamptz")
    .addCheckConstraint("change_requests_rejected_has_reason", sql`state <> 'rejected' or length(reason) > 0`)
    .execute();
  // The support queue: by state, oldest first, paged by (submitted_at, id); and the same per organization.
  await db.schema
    .createIndex("change_requests_queue")
    .on("change_requests")
    .columns(["state", "submitted_at", "id"])
    .execute();
  await db.schema
    .createIndex("change_requests_org_queue")
    .on("change_requests")
    .columns(["organization_id", "state", "submitted_at", "id"])
    .execute();
  // An organization's versions, newest first; one number per applied configuration.
  await sql`create unique index change_requests_org_version on change_requests (organization_id, version) where version is not null`.execute(
    db,
  );
  // The reconciler follows only the changes whose apply job may still move.
  await sql`create index change_requests_in_flight on change_requests (id) where state in ('approved', 'applying')`.execute(
    db,
  );

  await db.schema
    .createTable("change_policies")
    .addColumn("id", "integer", (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn("auto_approve_certificate_rotation", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("auto_approve_trusted_organizations", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("auto_approve_restore_previous", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("updated_by_label", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into change_policies (id) values (1)`.execute(db);

  await db.schema
    .createTable("trusted_organizations")
    .addColumn("organization_id", "uuid", (c) => c.primaryKey().references("organizations.id").onDelete("cascade"))
    .addColumn("marked_by_label", "text", (c) => c.notNull())
    .addColumn("marked_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("outbox_messages")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("to_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("organization_id", "uuid", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("text_body", "text", (c) => c.notNull())
    .addColumn("html_body", "text", (c) => c.notNull())
    .addColumn("link", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("queued")
        .check(sql`status in ('queued', 'sending', 'sent', 'dead')`),
    )
    .addColumn("delivered_via", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (c) => c.notNull().defaultTo(8))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("locked_until", "timestamptz")
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .execute();
  await sql`create index outbox_messages_due on outbox_messages (next_attempt_at, id) where status in ('queued', 'sending')`.execute(
    db,
  );
  await db.schema
    .createIndex("outbox_messages_recipient")
    .on("outbox_messages")
    .columns(["to_address", "id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("outbox_messages").ifExists().execute();
  await db.schema.dropTable("trusted_organizations").ifExists().execute();
  await db.schema.dropTable("change_policies").ifExists().execute();
  await db.schema.dropTable("change_requests").ifExists().execute();
}
