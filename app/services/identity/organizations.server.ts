import { sql } from "kysely";
import { AUTH0_ORG_ID_PATTERN, SLUG_PATTERN } from "../../forms/organizations";
import { recordAudit } from "../audit/audit.server";
import { assertSupportPermission } from "./authorize.server";
import { getDb } from "../platform/db.server";
import type { SupportScope } from "./scope.server";

/** Organizations as vendor support sees them: every one, with member counts. */
export interface OrganizationSummary {
  id: string;
  slug: string;
  name: string;
  auth0OrgId: string | null;
  members: number;
  admins: number;
  createdAt: Date;
}

export async function listOrganizations(scope: SupportScope): Promise<OrganizationSummary[]> {
  assertSupportPermission(scope, "support:orgs:read");
  const db = await getDb();
  const rows = await db
    .selectFrom("organizations")
    .leftJoin("memberships", "memberships.organization_id", "organizations.id")
    .select([
      "organizations.id",
      "organizations.slug",
      "organizations.name",
      "organizations.auth0_org_id",
      "organizations.created_at",
      sql<string>`count(memberships.user_id)`.as("members"),
      sql<string>`count(memberships.user_id) filter (where memberships.role = 'org_admin')`.as("admins"),
    ])
    .groupBy("organizations.id")
    // "acme" beside "Acme Corp", not after "Zeta": people read names without case.
    .orderBy(sql`lower(organizations.name)`)
    .orderBy("organizations.slug")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    auth0OrgId: r.auth0_org_id,
    members: Number(r.members),
    admins: Number(r.admins),
    createdAt: new Date(r.created_at),
  }));
}

export type CreateOrganizationResult =
  { ok: true; slug: string } | { ok: false; field: "slug" | "name" | "auth0OrgId"; error: string };

/** A support lead adds an organization (then issues its first admin's setup link). */
export async function createOrganization(
  scope: SupportScope,
  input: { slug: string; name: string; auth0OrgId?: string | null },
): Promise<CreateOrganizationResult> {
  assertSupportPermission(scope, "support:orgs:create");
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
  // When the tenant uses Auth0 Organizations: the organization's id there (org_…), or nothing.
  const auth0OrgId = input.auth0OrgId?.trim() || null;
  if (auth0OrgId !== null && !AUTH0_ORG_ID_PATTERN.test(auth0OrgId))
    return {
      ok: false,
      field: "auth0OrgId",
      error: "An Auth0 organization id looks like org_abc123; leave it empty if you do not use Auth0 Organizations.",
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
        };
    }
    const row = await trx
      .insertInto("organizations")
      .values({ slug, name, auth0_org_id: auth0OrgId })
      .onConflict((oc) => oc.column("slug").doNothing())
      .returning(["id", "slug"])
      .executeTakeFirst();
    if (!row)
      return { ok: false as const, field: "slug" as const, error: `An organization called “${slug}” already exists.` };
    await recordAudit(trx, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      organizationId: row.id,
      action: "organization.created",
      target: slug,
      details: { name, auth0OrgId },
    });
    return { ok: true as const, slug: row.slug };
  });
}
