import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import { getDb } from "../platform/db.server";
import type { OrgScope, SupportScope } from "../identity/scope.server";

/** Reading the audit log: an org admin their own organization's rows, support every row. */
export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  orgSlug: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "denied" | "failure";
  ip: string | null;
  requestId: string | null;
}

/** One organization's rows, or (support only) every organization's: said explicitly, never by an empty id. */
async function query(limit: number, which: { organizationId: string } | "all"): Promise<AuditRow[]> {
  const db = await getDb();
  let q = db
    .selectFrom("audit_events")
    .leftJoin("organizations", "organizations.id", "audit_events.organization_id")
    .select([
      "audit_events.id",
      "audit_events.occurred_at",
      "audit_events.actor_label",
      "organizations.slug",
      "audit_events.action",
      "audit_events.target",
      "audit_events.outcome",
      "audit_events.ip",
      "audit_events.request_id",
    ])
    .orderBy("audit_events.id", "desc")
    .limit(limit);
  if (which !== "all") q = q.where("audit_events.organization_id", "=", which.organizationId);
  return (await q.execute()).map((r) => ({
    id: String(r.id),
    at: new Date(r.occurred_at),
    actor: r.actor_label,
    orgSlug: r.slug,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    ip: r.ip,
    requestId: r.request_id,
  }));
}

export function listOrgAudit(scope: OrgScope, limit = 50): Promise<AuditRow[]> {
  assertOrgPermission(scope, "org:audit:read");
  return query(limit, { organizationId: scope.org.id });
}

export function listAllAudit(scope: SupportScope, limit = 100): Promise<AuditRow[]> {
  assertSupportPermission(scope, "support:audit:read");
  return query(limit, "all");
}
