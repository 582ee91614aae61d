import { sql, type Kysely } from "kysely";

/**
 * The security log: requests refused to people outside an organization (anonymous, another
 * organization's member, a cross-origin form, a failed sign-in), seen only by support. One row per
 * actor, route and hour with a count, so a flood of refusals costs one row, not thousands.
 *
 * Refusals already written into an organization's audit log by someone who was not its member
 * are moved here (they told one customer about another's people).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("security_events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("hour", "timestamptz", (c) => c.notNull())
    /** The user's id, or a fixed word for who could not be named ("anonymous", "cross-origin"). */
    .addColumn("actor_key", "text", (c) => c.notNull())
    .addColumn("actor_user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("actor_label", "text", (c) => c.notNull())
    /** Method and path, secrets masked, e.g. "GET /orgs/acme". */
    .addColumn("route", "text", (c) => c.notNull())
    /** The organization the request was aimed at, when it names one that exists. */
    .addColumn("organization_id", "uuid", (c) => c.references("organizations.id").onDelete("set null"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("status", "integer", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("count", "integer", (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`count > 0`),
    )
    .addColumn("first_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_ip", "text")
    .addColumn("last_request_id", "text")
    .execute();
  await sql`create unique index security_events_bucket on security_events (hour, actor_key, route)`.execute(db);
  await sql`create index security_events_last_at on security_events (last_at desc, id desc)`.execute(db);

  // Outsiders' refusals already in an organization's log move here, one row per bucket.
  await sql`
    insert into security_events
      (hour, actor_key, actor_user_id, actor_label, route, organization_id, action, status, reason, count, first_at, last_at, last_ip, last_request_id)
    select date_trunc('hour', a.occurred_at), coalesce(a.actor_user_id::text, 'anonymous'), min(a.actor_user_id::text)::uuid,
           min(a.actor_label), coalesce(min(a.target), '?'), min(a.organization_id::text)::uuid, 'access.denied',
           coalesce(max((a.details->>'status')::int), 404), coalesce(min(a.details->>'reason'), 'refused'),
           count(*), min(a.occurred_at), max(a.occurred_at), max(a.ip), max(a.request_id)
    from audit_events a
    where a.action = 'access.denied' and a.organization_id is not null
      and not exists (select 1 from memberships m where m.user_id = a.actor_user_id and m.organization_id = a.organization_id)
    group by date_trunc('hour', a.occurred_at), coalesce(a.actor_user_id::text, 'anonymous'), coalesce(a.target, '?')
  `.execute(db);
  await sql`
    delete from audit_events a
    where a.action = 'access.denied' and a.organization_id is not null
      and not exists (select 1 from memberships m where m.user_id = a.actor_user_id and m.organization_id = a.organization_id)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("security_events").ifExists().execute();
}
