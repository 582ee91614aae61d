import { sql, type Kysely, type Transaction } from "kysely";
import { recordAuditOf } from "../audit/audit.server";
import { assertOrgPermission } from "./authorize.server";
import { getDb } from "../platform/db.server";
import type { Database, OrgRole } from "../platform/db/schema";
import type { OrgScope } from "./scope.server";

/** Members of one organization: always the scope's own, never one named by input. */
export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: OrgRole;
  since: Date;
}

export type MembershipResult = { ok: true } | { ok: false; error: string };

export async function listMembers(scope: OrgScope): Promise<Member[]> {
  assertOrgPermission(scope, "org:members:read");
  return membersOf(await getDb(), scope.org.id);
}

/** An organization's members by e-mail address: callers check who may see them (listMembers, support). */
export async function membersOf(db: Kysely<Database>, organizationId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.email", "users.name", "memberships.role", "memberships.created_at"])
    .where("memberships.organization_id", "=", organizationId)
    .orderBy(sql`lower(users.email)`)
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role, since: new Date(r.created_at) }));
}

const NO_LONGER_ADMIN = "You are no longer an administrator of this organization. Reload the page.";

function stillAdmin(members: { user_id: string; role: OrgRole }[], scope: OrgScope): boolean {
  return members.some((m) => m.user_id === scope.user.id && m.role === "org_admin");
}

type Locked = { user_id: string; role: OrgRole; email: string };

/**
 * The shared start of every membership change: in one transaction, lock the organization's
 * memberships (so two admins demoting each other cannot leave none), re-check that the actor is
 * still an administrator (the guard read their role before the lock), find the target member and
 * refuse to take away the last administrator. `apply` runs only when all of that holds; the audit
 * row it returns (none when nothing changed) is written in the same transaction.
 */
async function changeMembership(
  scope: OrgScope,
  userId: string,
  options: { demotes: (target: Locked) => boolean },
  apply: (
    trx: Transaction<Database>,
    target: Locked,
  ) => Promise<{ action: string; details: Record<string, unknown> } | null>,
): Promise<MembershipResult> {
  assertOrgPermission(scope, "org:members:manage");
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const members = await trx
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select(["memberships.user_id", "memberships.role", "users.email"])
      .where("memberships.organization_id", "=", scope.org.id)
      .forUpdate("memberships")
      .execute();
    if (!stillAdmin(members, scope)) return { ok: false, error: NO_LONGER_ADMIN };
    const target = members.find((m) => m.user_id === userId);
    if (!target) return { ok: false, error: "That person is not a member of this organization." };
    const admins = members.filter((m) => m.role === "org_admin").length;
    if (target.role === "org_admin" && admins <= 1 && options.demotes(target)) {
      return { ok: false, error: "An organization needs at least one administrator. Make someone else one first." };
    }
    const audit = await apply(trx, target);
    if (audit) {
      await recordAuditOf(trx, scope, { action: audit.action, target: target.email, details: audit.details });
    }
    return { ok: true };
  });
}

/** Changes a member's role; the last administrator cannot be demoted. */
export function changeMemberRole(scope: OrgScope, userId: string, role: OrgRole): Promise<MembershipResult> {
  return changeMembership(scope, userId, { demotes: (target) => target.role !== role }, async (trx, target) => {
    if (target.role === role) return null;
    await trx
      .updateTable("memberships")
      .set({ role })
      .where("organization_id", "=", scope.org.id)
      .where("user_id", "=", userId)
      .execute();
    return { action: "membership.role_changed", details: { from: target.role, to: role } };
  });
}

/** Removes a member (effective on their next request); the last administrator cannot be removed. */
export function removeMember(scope: OrgScope, userId: string): Promise<MembershipResult> {
  return changeMembership(scope, userId, { demotes: () => true }, async (trx, target) => {
    await trx
      .deleteFrom("memberships")
      .where("organization_id", "=", scope.org.id)
      .where("user_id", "=", userId)
      .execute();
    return { action: "membership.removed", details: { role: target.role } };
  });
}
