import { sql } from "kysely";
import { assertSupportPermission } from "./authorize.server";
import { getDb } from "../platform/db.server";
import type { OrganizationStatus } from "../platform/db/schema";
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
  status: OrganizationStatus;
}

export async function listOrganizations(
  scope: SupportScope,
  options: { search?: string; limit?: number; offset?: number } = {},
): Promise<OrganizationSummary[]> {
  return (await pageOfOrganizations(scope, options)).rows;
}

/** A page of organizations by name, optionally those whose name or slug contains `search`, and how many match. */
export async function pageOfOrganizations(
  scope: SupportScope,
  options: { search?: string; limit?: number; offset?: number } = {},
): Promise<{ rows: OrganizationSummary[]; total: number }> {
  assertSupportPermission(scope, "support:orgs:read");
  const db = await getDb();
  const pattern = likePattern(options.search);
  // Page the organizations first, then count members for that page only.
  let matching = db.selectFrom("organizations");
  if (pattern) {
    matching = matching.where((eb) =>
      eb.or([eb("organizations.name", "ilike", pattern), eb("organizations.slug", "ilike", pattern)]),
    );
  }
  const page = matching
    .select(["id", "slug", "name", "auth0_org_id", "created_at", "status", sql<string>`count(*) over ()`.as("total")])
    // "acme" beside "Acme Corp", not after "Zeta": people read names without case.
    .orderBy(sql`lower(name)`)
    .orderBy("slug")
    .limit(options.limit ?? 100_000)
    .offset(options.offset ?? 0)
    .as("page");
  const rows = await db
    .selectFrom(page)
    .leftJoin("memberships", "memberships.organization_id", "page.id")
    .select([
      "page.id",
      "page.slug",
      "page.name",
      "page.auth0_org_id",
      "page.created_at",
      "page.status",
      "page.total",
      sql<string>`count(memberships.user_id)`.as("members"),
      sql<string>`count(memberships.user_id) filter (where memberships.role = 'org_admin')`.as("admins"),
    ])
    .groupBy(["page.id", "page.slug", "page.name", "page.auth0_org_id", "page.created_at", "page.status", "page.total"])
    .orderBy(sql`lower(page.name)`)
    .orderBy("page.slug")
    .execute();
  return {
    total: rows.length > 0 ? Number(rows[0]!.total) : 0,
    rows: rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      auth0OrgId: r.auth0_org_id,
      members: Number(r.members),
      admins: Number(r.admins),
      createdAt: new Date(r.created_at),
      status: r.status,
    })),
  };
}

/** Up to this many organizations are offered as a list to choose from; beyond it people type a slug. */
export const ORGANIZATION_CHOICES_MAX = 200;

/**
 * The organizations to offer in a form's list (by name), or null when there are too many for a
 * list to help — the form then asks for the organization's slug.
 */
export async function organizationChoices(scope: SupportScope): Promise<{ slug: string; name: string }[] | null> {
  assertSupportPermission(scope, "support:orgs:read");
  const db = await getDb();
  // Names only (no member counts), and one more than a list offers: enough to know it is too many.
  const rows = await db
    .selectFrom("organizations")
    .select(["slug", "name"])
    .orderBy(sql`lower(name)`)
    .orderBy("slug")
    .limit(ORGANIZATION_CHOICES_MAX + 1)
    .execute();
  return rows.length > ORGANIZATION_CHOICES_MAX ? null : rows;
}

/** `%text%` for ILIKE with the text's own `%`, `_` and `\\` matched literally; null for no text. */
export function likePattern(text: string | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? `%${trimmed.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}
