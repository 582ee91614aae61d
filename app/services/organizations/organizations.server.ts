import { sql } from "kysely";
import { auditActor, recordAudit } from "../audit/audit.server";
import { assertSupportPermission } from "../identity/authorize.server";
import { AUTH0_ORG_ID_PATTERN, SLUG_PATTERN } from "../../forms/organizations";
import type { SupportPermission } from "../identity/permissions";
import type { ApiKeyScope, ScopedOrganization, SupportScope, SystemOrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";

/**
 * Organizations as the vendor's staff act on them: a support lead on the pages, or one of the
 * vendor's systems with an API key. A key made for one organization sees only that one (another
 * answers as if it did not exist) and may not do what needs every organization (create one).
 */
export type StaffScope = SupportScope | ApiKeyScope;

export interface OrganizationRecord extends ScopedOrganization {
  createdAt: Date;
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

function recordOf(row: {
  id: string;
  slug: string;
  name: string;
  auth0_org_id: string | null;
  created_at: Date | string;
}): OrganizationRecord {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    auth0OrgId: row.auth0_org_id,
    createdAt: new Date(row.created_at),
  };
}

/** Every organization the scope may see, by name. */
export async function listOrganizationsFor(scope: StaffScope): Promise<OrganizationRecord[]> {
  assertStaffPermission(scope, "support:orgs:read");
  const db = await getDb();
  let q = db.selectFrom("organizations").select(["id", "slug", "name", "auth0_org_id", "created_at"]);
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
  const row = await db
    .selectFrom("organizations")
    .select(["id", "slug", "name", "auth0_org_id", "created_at"])
    .where("slug", "=", slug)
    .executeTakeFirst();
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

export type CreateOrganizationInput = { slug: string; name: string; auth0OrgId?: string | null };

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
      .returning(["id", "slug", "name", "auth0_org_id", "created_at"])
      .executeTakeFirst();
    if (!row)
      return {
        ok: false as const,
        field: "slug" as const,
        error: `An organization called “${slug}” already exists.`,
        conflict: true,
      };
    await recordAudit(trx, {
      ...auditActor(scope),
      organizationId: row.id,
      action: "organization.created",
      target: slug,
      details: { name, auth0OrgId },
    });
    return { ok: true as const, organization: recordOf(row) };
  });
}
