import type { ScopedOrganization } from "../identity/scope.server";
import type { Executor } from "../platform/db.server";

/**
 * The organization a scope carries, read from the database by its id or slug: what background work,
 * API keys and support acting for an organization put in their scope.
 */

type OrganizationKey = { id: string } | { slug: string };

export function scopedOrganizationOf(row: {
  id: string;
  slug: string;
  name: string;
  auth0_org_id: string | null;
}): ScopedOrganization {
  return { id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id };
}

function select(db: Executor, key: OrganizationKey) {
  const q = db.selectFrom("organizations").select(["id", "slug", "name", "auth0_org_id"]);
  return "id" in key ? q.where("id", "=", key.id) : q.where("slug", "=", key.slug);
}

/** The organization with this id or slug; undefined when there is none. */
export async function findScopedOrganization(
  db: Executor,
  key: OrganizationKey,
): Promise<ScopedOrganization | undefined> {
  const row = await select(db, key).executeTakeFirst();
  return row && scopedOrganizationOf(row);
}

/** The organization with this id, which must exist (kysely's NoResultError otherwise). */
export async function getScopedOrganization(db: Executor, id: string): Promise<ScopedOrganization> {
  return scopedOrganizationOf(await select(db, { id }).executeTakeFirstOrThrow());
}
