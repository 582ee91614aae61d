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
      "organizations.status",
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
    status: r.status,
  }));
}
