import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { recordAudit, recordAuditOf } from "../audit/audit.server";
import { assertOrgPermission, assertSupportPermission } from "./authorize.server";
import { getDb } from "../platform/db.server";
import type { Invitation, OrgRole } from "../platform/db/schema";
import { DEFAULT_TTL_HOURS, MAX_TTL_HOURS, MAX_USES_LIMIT } from "./invitation-rules";
import { getPublicUrl } from "../platform/public-url.server";
import type { OrgScope, ScopedUser, SupportScope } from "./scope.server";

/**
 * Setup links. The token (256 random bits) appears once, in the link shown to whoever created
 * it; the database keeps its SHA-256. A link is usable while it has uses left, has not expired
 * and was not revoked; accepting one is a single conditional UPDATE, so two people racing for the
 * last use cannot both win.
 */

export { DEFAULT_TTL_HOURS, MAX_TTL_HOURS, MAX_USES_LIMIT };

export type InvitationState = "valid" | "used" | "expired" | "revoked";

export interface InvitationView {
  id: string;
  organizationId: string;
  orgSlug: string;
  orgName: string;
  role: OrgRole;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  maxUses: number;
  uses: number;
  state: InvitationState;
  note: string | null;
}

export interface NewInvitationInput {
  role: OrgRole;
  maxUses?: number;
  ttlHours?: number;
  note?: string | null;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function invitationUrl(token: string): string {
  return `${getPublicUrl()}/invites/${token}`;
}

export function stateOf(inv: Pick<Invitation, "revoked_at" | "expires_at" | "uses" | "max_uses">, now = new Date()) {
  if (inv.revoked_at) return "revoked" as const;
  if (inv.uses >= inv.max_uses) return "used" as const;
  if (new Date(inv.expires_at) <= now) return "expired" as const;
  return "valid" as const;
}

async function insertInvitation(
  actor: ScopedUser,
  org: { id: string; slug: string },
  input: NewInvitationInput,
  options: { actorMustBeAdmin?: boolean } = {},
): Promise<{ token: string; url: string; invitation: Invitation }> {
  const maxUses = input.maxUses ?? 1;
  const ttlHours = input.ttlHours ?? DEFAULT_TTL_HOURS;
  if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > MAX_USES_LIMIT)
    throw new RangeError(`maximum uses must be a whole number from 1 to ${MAX_USES_LIMIT}`);
  if (!Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > MAX_TTL_HOURS)
    throw new RangeError(`validity must be between 1 hour and ${MAX_TTL_HOURS} hours`);
  const token = randomBytes(32).toString("base64url");
  const db = await getDb();
  const invitation = await db.transaction().execute(async (trx) => {
    if (options.actorMustBeAdmin) {
      // The guard read the actor's role before this transaction: read it again, locked, so an
      // administrator demoted meanwhile cannot mint an administrator's link for themselves.
      const membership = await trx
        .selectFrom("memberships")
        .select("role")
        .where("user_id", "=", actor.id)
        .where("organization_id", "=", org.id)
        .forUpdate()
        .executeTakeFirst();
      if (membership?.role !== "org_admin") {
        throw new Response("You are no longer an administrator of this organization. Reload the page.", {
          status: 403,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
    }
    const row = await trx
      .insertInto("invitations")
      .values({
        token_hash: hashInvitationToken(token),
        organization_id: org.id,
        role: input.role,
        created_by_user_id: actor.id,
        created_by_label: actor.email,
        expires_at: new Date(Date.now() + ttlHours * 3_600_000),
        max_uses: maxUses,
        revoked_at: null,
        revoked_by_label: null,
        note: input.note?.trim().slice(0, 200) || null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorUserId: actor.id,
      actorLabel: actor.email,
      organizationId: org.id,
      action: "invitation.created",
      target: row.id,
      details: { role: row.role, maxUses: row.max_uses, expiresAt: new Date(row.expires_at).toISOString() },
    });
    return row;
  });
  return { token, url: invitationUrl(token), invitation };
}

/** An org admin invites someone (a second admin, or a viewer) to their own organization. */
export function createOrgInvitation(scope: OrgScope, input: NewInvitationInput) {
  assertOrgPermission(scope, "org:invitations:manage");
  return insertInvitation(scope.user, scope.org, input, { actorMustBeAdmin: true });
}

/** A support lead creates a link for any organization. Null when the organization does not exist. */
export async function createSupportInvitation(scope: SupportScope, orgSlug: string, input: NewInvitationInput) {
  assertSupportPermission(scope, "support:invitations:manage");
  const db = await getDb();
  const org = await db
    .selectFrom("organizations")
    .select(["id", "slug"])
    .where("slug", "=", orgSlug)
    .executeTakeFirst();
  if (!org) return null;
  return insertInvitation(scope.user, org, input);
}

function baseQuery() {
  return getDb().then((db) =>
    db
      .selectFrom("invitations")
      .innerJoin("organizations", "organizations.id", "invitations.organization_id")
      .selectAll("invitations")
      .select(["organizations.slug as org_slug", "organizations.name as org_name"]),
  );
}

function toView(r: Invitation & { org_slug: string; org_name: string }): InvitationView {
  return {
    id: r.id,
    organizationId: r.organization_id,
    orgSlug: r.org_slug,
    orgName: r.org_name,
    role: r.role,
    createdBy: r.created_by_label,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    maxUses: r.max_uses,
    uses: r.uses,
    state: stateOf(r),
    note: r.note,
  };
}

/**
 * The links of the scope's own organization, newest first. With `pendingOnly`, only the usable
 * ones, filtered in SQL: so that 100 used or expired links cannot hide an older pending one.
 */
export async function listOrgInvitations(
  scope: OrgScope,
  options: { pendingOnly?: boolean } = {},
): Promise<InvitationView[]> {
  assertOrgPermission(scope, "org:invitations:read");
  let q = (await baseQuery()).where("invitations.organization_id", "=", scope.org.id);
  if (options.pendingOnly)
    q = q
      .where("invitations.revoked_at", "is", null)
      .where("invitations.expires_at", ">", new Date())
      .where(sql<boolean>`invitations.uses < invitations.max_uses`);
  const rows = await q.orderBy("invitations.created_at", "desc").limit(100).execute();
  return rows.map(toView);
}

/** Support: one organization's pending links (usable now), newest first. */
export async function listPendingInvitationsOf(scope: SupportScope, organizationId: string): Promise<InvitationView[]> {
  assertSupportPermission(scope, "support:invitations:read");
  const rows = await (
    await baseQuery()
  )
    .where("invitations.organization_id", "=", organizationId)
    .where("invitations.revoked_at", "is", null)
    .where("invitations.expires_at", ">", new Date())
    .where(sql<boolean>`invitations.uses < invitations.max_uses`)
    .orderBy("invitations.created_at", "desc")
    .limit(100)
    .execute();
  return rows.map(toView);
}

/** The links this support person issued, newest first. */
export async function listInvitationsIssuedBy(scope: SupportScope): Promise<InvitationView[]> {
  assertSupportPermission(scope, "support:invitations:read");
  const q = await baseQuery();
  const rows = await q
    .where("invitations.created_by_user_id", "=", scope.user.id)
    .orderBy("invitations.created_at", "desc")
    .limit(100)
    .execute();
  return rows.map(toView);
}

/**
 * Revokes a link. An org admin only their organization's (another's answers false, as if it did
 * not exist); a support lead any.
 */
export async function revokeInvitation(scope: OrgScope | SupportScope, invitationId: string): Promise<boolean> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:invitations:manage");
  else assertSupportPermission(scope, "support:invitations:manage");
  if (!/^[0-9a-f-]{36}$/i.test(invitationId)) return false;
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    let q = trx
      .updateTable("invitations")
      .set({ revoked_at: new Date(), revoked_by_label: scope.user.email })
      .where("id", "=", invitationId)
      .where("revoked_at", "is", null);
    if (scope.kind === "org") q = q.where("organization_id", "=", scope.org.id);
    const row = await q.returning(["id", "organization_id"]).executeTakeFirst();
    if (!row) return false;
    await recordAuditOf(trx, scope, {
      organizationId: row.organization_id,
      action: "invitation.revoked",
      target: row.id,
    });
    return true;
  });
}

/** What a token names: its state and organization, or null for a token that matches nothing. */
export async function inspectInvitation(token: string): Promise<InvitationView | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const q = await baseQuery();
  const row = await q.where("invitations.token_hash", "=", hashInvitationToken(token)).executeTakeFirst();
  return row ? toView(row) : null;
}

export type AcceptResult =
  | { outcome: "joined"; orgSlug: string; role: OrgRole }
  | { outcome: "already_member"; orgSlug: string; role: OrgRole }
  | { outcome: "unusable"; state: InvitationState | "unknown" };

/** The signed-in user accepts a link: becomes a member (or is promoted to the link's role). */
export async function acceptInvitation(user: ScopedUser, token: string): Promise<AcceptResult> {
  const found = await inspectInvitation(token);
  if (!found) return { outcome: "unusable", state: "unknown" };
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("memberships")
      .select("role")
      .where("user_id", "=", user.id)
      .where("organization_id", "=", found.organizationId)
      .executeTakeFirst();
    if (existing && (existing.role === "org_admin" || existing.role === found.role)) {
      return { outcome: "already_member" as const, orgSlug: found.orgSlug, role: existing.role };
    }
    const now = new Date();
    const claimed = await trx
      .updateTable("invitations")
      .set({ uses: sql`uses + 1` })
      .where("token_hash", "=", hashInvitationToken(token))
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .where(sql<boolean>`uses < max_uses`)
      .returning(["id", "organization_id", "role"])
      .executeTakeFirst();
    if (!claimed) {
      const again = await trx
        .selectFrom("invitations")
        .select(["revoked_at", "expires_at", "uses", "max_uses"])
        .where("token_hash", "=", hashInvitationToken(token))
        .executeTakeFirst();
      return { outcome: "unusable" as const, state: again ? stateOf(again) : ("unknown" as const) };
    }
    await trx
      .insertInto("invitation_acceptances")
      .values({ invitation_id: claimed.id, user_id: user.id, accepted_at: now })
      .onConflict((oc) => oc.columns(["invitation_id", "user_id"]).doUpdateSet({ accepted_at: now }))
      .execute();
    if (existing) {
      await trx
        .updateTable("memberships")
        .set({ role: claimed.role })
        .where("user_id", "=", user.id)
        .where("organization_id", "=", claimed.organization_id)
        .execute();
    } else {
      await trx
        .insertInto("memberships")
        .values({ user_id: user.id, organization_id: claimed.organization_id, role: claimed.role })
        .execute();
    }
    await recordAudit(trx, {
      actorUserId: user.id,
      actorLabel: user.email,
      organizationId: claimed.organization_id,
      action: "invitation.accepted",
      target: claimed.id,
      details: { role: claimed.role },
    });
    await recordAudit(trx, {
      actorUserId: user.id,
      actorLabel: user.email,
      organizationId: claimed.organization_id,
      action: existing ? "membership.role_changed" : "membership.added",
      target: user.email,
      details: existing
        ? { from: existing.role, to: claimed.role, via: "invitation" }
        : { role: claimed.role, via: "invitation" },
    });
    return { outcome: "joined" as const, orgSlug: found.orgSlug, role: claimed.role };
  });
}
