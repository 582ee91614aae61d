import { sql, type Transaction } from "kysely";
import { enqueueJob, modeJobKind } from "../apply/jobs.server";
import { getEnv } from "../platform/env.server";
import { auditActor, recordAuditOf } from "../audit/audit.server";
import { assertSupportPermission } from "../identity/authorize.server";
import { membersOf } from "../identity/memberships.server";
import { AUTH0_ORG_ID_PATTERN, SLUG_PATTERN } from "../../forms/organizations";
import type { SupportPermission } from "../identity/permissions";
import type { ApiKeyScope, ScopedOrganization, SupportScope, SystemOrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { Database, OrganizationStatus } from "../platform/db/schema";
import type { OrganizationCreateJob, OrganizationRemoveJob } from "./lifecycle-jobs.server";

/**
 * Organizations as the vendor's staff act on them: a support lead on the pages, or one of the
 * vendor's systems with an API key. A key made for one organization sees only that one (another
 * answers as if it did not exist) and may not do what needs every organization (create one).
 */
export type StaffScope = SupportScope | ApiKeyScope;

export interface OrganizationRecord extends ScopedOrganization {
  createdAt: Date;
  status: OrganizationStatus;
}

function forbidden(message: string): Response {
  return new Response(message, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The permission check for staff: a support role's table, or for a key, "every organization"
 * for anything beyond reading one's own.
 */
export function assertStaffPermission(scope: StaffScope, permission: SupportPermission): void {
  if (scope.kind === "support") return assertSupportPermission(scope, permission);
  if (scope.organization !== null && permission !== "support:orgs:read") {
    throw forbidden("This API key acts for one organization; this needs a key for every organization.");
  }
}

const COLUMNS = ["id", "slug", "name", "auth0_org_id", "created_at", "status"] as const;

function recordOf(row: {
  id: string;
  slug: string;
  name: string;
  auth0_org_id: string | null;
  created_at: Date | string;
  status: OrganizationStatus;
}): OrganizationRecord {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    auth0OrgId: row.auth0_org_id,
    createdAt: new Date(row.created_at),
    status: row.status,
  };
}

/** Every organization the scope may see, by name. */
export async function listOrganizationsFor(scope: StaffScope): Promise<OrganizationRecord[]> {
  assertStaffPermission(scope, "support:orgs:read");
  const db = await getDb();
  let q = db.selectFrom("organizations").select(COLUMNS);
  if (scope.kind === "api" && scope.organization) q = q.where("id", "=", scope.organization.id);
  return (
    await q
      .orderBy(sql`lower(name)`)
      .orderBy("slug")
      .execute()
  ).map(recordOf);
}

/** One organization by slug, or null when there is none the scope may see. */
export async function findOrganization(scope: StaffScope, slug: string): Promise<OrganizationRecord | null> {
  assertStaffPermission(scope, "support:orgs:read");
  if (!SLUG_PATTERN.test(slug)) return null;
  if (scope.kind === "api" && scope.organization && scope.organization.slug !== slug) return null;
  const db = await getDb();
  const row = await db.selectFrom("organizations").select(COLUMNS).where("slug", "=", slug).executeTakeFirst();
  return row ? recordOf(row) : null;
}

/** Staff acting on one organization's own resources (its domains, jobs, connection). */
export function actingFor(scope: StaffScope, org: ScopedOrganization): SystemOrgScope {
  return {
    kind: "system",
    actor: auditActor(scope).actorLabel,
    org: { id: org.id, slug: org.slug, name: org.name, auth0OrgId: org.auth0OrgId },
  };
}

export type CreateOrganizationInput = {
  slug: string;
  name: string;
  /** Link this existing Auth0 organization (org_…). */
  auth0OrgId?: string | null;
  /** Have the apply engine create the organization's Auth0 organization (ignored when linking). */
  createAuth0Organization?: boolean;
};

export type CreateResult =
  | { ok: true; organization: OrganizationRecord }
  | { ok: false; field: "slug" | "name" | "auth0OrgId"; error: string; conflict?: boolean };

/** Staff add an organization (then issue its first administrator's setup link). */
export async function createOrganizationAs(scope: StaffScope, input: CreateOrganizationInput): Promise<CreateResult> {
  assertStaffPermission(scope, "support:orgs:create");
  const slug = input.slug.trim().toLowerCase();
  const name = input.name.trim();
  if (!SLUG_PATTERN.test(slug) || slug.length > 40)
    return {
      ok: false,
      field: "slug",
      error: "Use 1–40 lowercase letters, digits and single hyphens, e.g. acme-corp.",
    };
  if (name.length < 1 || name.length > 100)
    return { ok: false, field: "name", error: "Give a name of 1–100 characters." };
  const auth0OrgId = input.auth0OrgId?.trim() || null;
  if (auth0OrgId !== null && !AUTH0_ORG_ID_PATTERN.test(auth0OrgId))
    return {
      ok: false,
      field: "auth0OrgId",
      error: "An Auth0 organization id looks like org_abc123; leave it out if you do not use Auth0 Organizations.",
    };
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    if (auth0OrgId) {
      const taken = await trx
        .selectFrom("organizations")
        .select("slug")
        .where("auth0_org_id", "=", auth0OrgId)
        .executeTakeFirst();
      if (taken)
        return {
          ok: false as const,
          field: "auth0OrgId" as const,
          error: `That Auth0 organization is already linked to “${taken.slug}”.`,
          conflict: true,
        };
    }
    const row = await trx
      .insertInto("organizations")
      .values({ slug, name, auth0_org_id: auth0OrgId })
      .onConflict((oc) => oc.column("slug").doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row)
      return {
        ok: false as const,
        field: "slug" as const,
        error: `An organization called “${slug}” already exists.`,
        conflict: true,
      };
    await recordAuditOf(trx, scope, {
      organizationId: row.id,
      action: "organization.created",
      target: slug,
      details: { name, auth0OrgId, createAuth0Organization: !auth0OrgId && !!input.createAuth0Organization },
    });
    const organization = recordOf(row);
    // The Auth0 side through the apply engine: created there, or the existing one linked (its
    // metadata then names this organization, so nothing else adopts it).
    const job: OrganizationCreateJob | null = auth0OrgId
      ? { auth0: { mode: "link", id: auth0OrgId } }
      : input.createAuth0Organization
        ? { auth0: { mode: "create" } }
        : null;
    if (job) await enqueueJob(trx, actingFor(scope, organization), modeJobKind("organization-create"), 0, job);
    return { ok: true as const, organization };
  });
}

/** Ends every session of the organization's members (their next request finds them signed out). */
async function signOutMembers(trx: Transaction<Database>, organizationId: string): Promise<void> {
  await trx
    .updateTable("sessions")
    .set({ revoked_at: sql`now()` })
    .where("revoked_at", "is", null)
    .where("user_id", "in", (eb) =>
      eb.selectFrom("memberships").select("user_id").where("organization_id", "=", organizationId),
    )
    .execute();
}

export type LifecycleResult = { ok: true; jobId: string | null } | { ok: false; error: string };

/** Moves an organization from one status to another (locked), audited; null when it was not in `from`. */
async function moveStatus(
  scope: StaffScope,
  org: OrganizationRecord,
  from: OrganizationStatus[],
  to: OrganizationStatus,
  action: string,
  details: Record<string, unknown>,
  after: (trx: Transaction<Database>) => Promise<string | null>,
): Promise<LifecycleResult> {
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable("organizations")
      .set({ status: to, status_changed_at: sql`now()` })
      .where("id", "=", org.id)
      .where("status", "in", from)
      .returning("id")
      .executeTakeFirst();
    if (!moved) return { ok: false as const, error: `${org.name} is ${org.status}; it cannot be ${to} now.` };
    await recordAuditOf(trx, scope, { organizationId: org.id, action, target: org.slug, details });
    return { ok: true as const, jobId: await after(trx) };
  });
}

/** Renames an organization; its Auth0 organization's display name follows through the apply engine. */
export async function renameOrganization(
  scope: StaffScope,
  org: OrganizationRecord,
  newName: string,
): Promise<LifecycleResult> {
  assertStaffPermission(scope, "support:orgs:manage");
  const name = newName.trim();
  if (name.length < 1 || name.length > 100) return { ok: false, error: "Give a name of 1–100 characters." };
  if (name === org.name) return { ok: true, jobId: null };
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    await trx.updateTable("organizations").set({ name }).where("id", "=", org.id).execute();
    await recordAuditOf(trx, scope, {
      organizationId: org.id,
      action: "organization.renamed",
      target: org.slug,
      details: { from: org.name, to: name },
    });
    // In repository mode an organization created by the portal is known in the files by its name, not an id.
    const jobId =
      org.auth0OrgId || getEnv().APPLY_MODE === "repository"
        ? await enqueueJob(trx, actingFor(scope, { ...org, name }), modeJobKind("organization-rename"), 0, { name })
        : null;
    return { ok: true as const, jobId };
  });
}

/**
 * Suspends an organization: its members are signed out (every session of theirs ends) and lose
 * its pages, its connections are disabled in Auth0 through the apply engine; everything is kept.
 */
export async function suspendOrganization(scope: StaffScope, org: OrganizationRecord): Promise<LifecycleResult> {
  assertStaffPermission(scope, "support:orgs:manage");
  return moveStatus(scope, org, ["active"], "suspended", "organization.suspended", {}, async (trx) => {
    await signOutMembers(trx, org.id);
    return enqueueJob(trx, actingFor(scope, org), modeJobKind("organization-suspend"), 0, {});
  });
}

/**
 * Resumes a suspended organization: its members may sign in to its pages again, and its live
 * connections are enabled again in Auth0 (as their last applied versions said) through the apply
 * engine. A connection support disabled in an emergency stays disabled.
 */
export async function resumeOrganization(scope: StaffScope, org: OrganizationRecord): Promise<LifecycleResult> {
  assertStaffPermission(scope, "support:orgs:manage");
  return moveStatus(scope, org, ["suspended"], "active", "organization.resumed", {}, (trx) =>
    enqueueJob(trx, actingFor(scope, org), modeJobKind("organization-resume"), 0, {}),
  );
}

/**
 * Removes an organization: the confirmation must be its slug; its connections and Auth0
 * organization are deleted or detached as chosen, by the apply engine; the portal's rows stay as
 * history (status "removed" once Auth0 is done).
 */
export async function removeOrganization(
  scope: StaffScope,
  org: OrganizationRecord,
  input: OrganizationRemoveJob & { confirmation: string },
): Promise<LifecycleResult> {
  assertStaffPermission(scope, "support:orgs:manage");
  if (input.confirmation.trim() !== org.slug) {
    return { ok: false, error: `Type the organization's slug, ${org.slug}, to confirm.` };
  }
  const job: OrganizationRemoveJob = { connections: input.connections, auth0Organization: input.auth0Organization };
  return moveStatus(scope, org, ["active", "suspended"], "removing", "organization.removed", job, async (trx) => {
    await signOutMembers(trx, org.id);
    return enqueueJob(trx, actingFor(scope, org), modeJobKind("organization-remove"), 0, job);
  });
}

export interface OrganizationMember {
  userId: string;
  email: string;
  name: string | null;
  role: "org_admin" | "org_viewer";
  since: Date;
}

/** Support: an organization's members (who its administrators are, before issuing a first link). */
export async function listOrganizationMembers(
  scope: StaffScope,
  org: OrganizationRecord,
): Promise<OrganizationMember[]> {
  assertStaffPermission(scope, "support:orgs:read");
  return membersOf(await getDb(), org.id);
}
