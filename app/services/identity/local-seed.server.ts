import { sql } from "kysely";
import { DEMO_USERS, demoUserId } from "../../../local-tenant/seed";
import { getDb } from "../platform/db.server";
import type { OrgRole } from "../platform/db/schema";

/**
 * Local mode's demo organizations and memberships, applied at every start (idempotent; nothing
 * already there is changed). The people and their password live in the local tenant; their
 * vendor roles (Sam, Lena) come from vendor-roles.server.ts like any configured staff.
 */
export const LOCAL_ORGANIZATIONS = [
  { slug: "acme", name: "Acme" },
  { slug: "globex", name: "Globex" },
];

export const LOCAL_MEMBERSHIPS: { email: string; org: string; role: OrgRole }[] = [
  { email: "alice@acme.test", org: "acme", role: "org_admin" },
  { email: "victor@acme.test", org: "acme", role: "org_viewer" },
  { email: "bob@globex.test", org: "globex", role: "org_admin" },
];

export async function seedLocalMode(): Promise<void> {
  const db = await getDb();
  await db.transaction().execute(async (trx) => {
    const userByEmail = (email: string) =>
      trx
        .selectFrom("users")
        .select("id")
        .where(sql`lower(email)`, "=", email.toLowerCase());
    for (const org of LOCAL_ORGANIZATIONS) {
      await trx
        .insertInto("organizations")
        .values({ slug: org.slug, name: org.name, auth0_org_id: null })
        .onConflict((oc) => oc.column("slug").doNothing())
        .execute();
    }
    for (const person of DEMO_USERS) {
      if (!(await userByEmail(person.email).executeTakeFirst())) {
        await trx
          .insertInto("users")
          .values({ sub: demoUserId(person.email), email: person.email, name: person.name, last_login_at: null })
          .execute();
      }
    }
    for (const m of LOCAL_MEMBERSHIPS) {
      const user = await userByEmail(m.email).executeTakeFirstOrThrow();
      const org = await trx
        .selectFrom("organizations")
        .select("id")
        .where("slug", "=", m.org)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("memberships")
        .values({ user_id: user.id, organization_id: org.id, role: m.role })
        .onConflict((oc) => oc.columns(["user_id", "organization_id"]).doNothing())
        .execute();
    }
  });
}
