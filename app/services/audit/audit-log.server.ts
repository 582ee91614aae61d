import { sql } from "kysely";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import { endOfDay, pageSize, readPage, startOfDay } from "./log-pages";
import { actionLabel, actorInWords, describeEvent } from "./phrases";
import { getDb } from "../platform/db.server";
import type { OrgScope, SupportScope } from "../identity/scope.server";

/** One event as the pages show it: in words, people and organizations by name. */
export interface AuditEventView {
  id: string;
  /** ISO time; the page shows it in the viewer's time zone with UTC on hover. */
  at: string;
  sentence: string;
  actor: string;
  action: string;
  actionLabel: string;
  outcome: "success" | "denied" | "failure";
  orgName: string | null;
  orgSlug: string | null;
  ip: string | null;
}

export interface AuditFilter {
  /** A user id, or a label for who is no user ("apply-worker", "anonymous"). */
  actor?: string;
  action?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  from?: string;
  to?: string;
  /** Support only: one organization by slug. */
  org?: string;
}

/** An organization's members with the audit permission read its log; support reads every organization's. */
function assertMayReadAuditLog(scope: OrgScope | SupportScope): void {
  if (scope.kind === "org") assertOrgPermission(scope, "org:audit:read");
  else assertSupportPermission(scope, "support:audit:read");
}

/**
 * A page of the audit log, newest first: an organization's own events for its members with the
 * audit permission, every organization's for support. Paged by a cursor (the last row's id), so a
 * page is one index range however long the log grows.
 */
export async function readAuditLog(
  scope: OrgScope | SupportScope,
  filter: AuditFilter = {},
  page: { after?: string; limit?: number } = {},
): Promise<{ rows: AuditEventView[]; next?: string }> {
  assertMayReadAuditLog(scope);
  const db = await getDb();
  let q = db
    .selectFrom("audit_events as a")
    .leftJoin("organizations as o", "o.id", "a.organization_id")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .leftJoin("users as t", (join) => join.on(sql`lower(t.email)`, "=", sql`lower(a.target)`))
    .select([
      "a.id",
      "a.occurred_at",
      "a.actor_label",
      "u.name as actor_name",
      "a.action",
      "a.target",
      "t.name as target_name",
      "a.outcome",
      "a.details",
      "a.ip",
      "o.name as org_name",
      "o.slug as org_slug",
    ])
    .orderBy("a.id", "desc");
  if (scope.kind === "org") q = q.where("a.organization_id", "=", scope.org.id);
  else if (filter.org) q = q.where("o.slug", "=", filter.org);
  if (filter.actor) {
    const actor = filter.actor;
    q = /^[0-9a-f-]{36}$/i.test(actor)
      ? q.where("a.actor_user_id", "=", actor)
      : q.where("a.actor_user_id", "is", null).where("a.actor_label", "=", actor);
  }
  if (filter.action) q = q.where("a.action", "=", filter.action);
  if (filter.from) q = q.where("a.occurred_at", ">=", startOfDay(filter.from));
  if (filter.to) q = q.where("a.occurred_at", "<", endOfDay(filter.to));
  if (page.after && /^\d{1,19}$/.test(page.after)) q = q.where("a.id", "<", page.after);
  const found = await readPage(q, pageSize(page.limit, { fallback: 25, max: 100 }));
  const rows = found.rows.map((r): AuditEventView => {
    const actor = r.actor_name ?? r.actor_label;
    const target = r.target_name ?? r.target;
    return {
      id: String(r.id),
      at: new Date(r.occurred_at).toISOString(),
      sentence: describeEvent({
        action: r.action,
        outcome: r.outcome,
        actor,
        target,
        details: r.details ?? {},
        orgName: r.org_name,
      }),
      actor: actorInWords(actor),
      action: r.action,
      actionLabel: actionLabel(r.action),
      outcome: r.outcome,
      orgName: r.org_name,
      orgSlug: r.org_slug,
      ip: r.ip,
    };
  });
  return { rows, next: found.more ? rows.at(-1)?.id : undefined };
}

/** The people and actions that appear in the log the scope may read, for the filters' choices. */
export async function auditFilterChoices(
  scope: OrgScope | SupportScope,
): Promise<{ actors: { value: string; label: string }[]; actions: { value: string; label: string }[] }> {
  assertMayReadAuditLog(scope);
  const db = await getDb();
  let actors = db
    .selectFrom("audit_events as a")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .select([
      sql<string>`coalesce(a.actor_user_id::text, a.actor_label)`.as("value"),
      sql<string>`max(coalesce(u.name, u.email, a.actor_label))`.as("label"),
    ])
    .groupBy(sql`coalesce(a.actor_user_id::text, a.actor_label)`)
    .orderBy(sql`max(lower(coalesce(u.name, u.email, a.actor_label)))`)
    .limit(500);
  let actions = db.selectFrom("audit_events as a").select("a.action").distinct().orderBy("a.action");
  if (scope.kind === "org") {
    actors = actors.where("a.organization_id", "=", scope.org.id);
    actions = actions.where("a.organization_id", "=", scope.org.id);
  }
  const [actorRows, actionRows] = await Promise.all([actors.execute(), actions.execute()]);
  return {
    actors: actorRows.map((r) => ({ value: r.value, label: actorInWords(r.label) })),
    actions: actionRows
      .map((r) => ({ value: r.action, label: actionLabel(r.action) }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  };
}
