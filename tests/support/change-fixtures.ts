import type { Insertable, Kysely } from "kysely";
import { comparableFor } from "~/services/change-requests/comparable";
import type { Database, OrgRole } from "~/services/platform/db/schema";
import type { OrgScope, ScopedOrganization, ScopedUser, SupportScope } from "~/services/identity/scope.server";

/**
 * Change requests built from the real IdP documents in tests/fixtures/idp-documents, and the
 * people who submit and review them.
 */
import { fixtureText, samlSubmission } from "../../harness/idp-documents";
export { FIXTURES, fixtureText, samlSubmission } from "../../harness/idp-documents";

/**
 * A change of `org` from the Okta SAML fixture, inserted straight into the state `fields` give
 * (what a history of moves would have left), submitted at `now` unless `fields` say otherwise.
 */
export async function insertChange(
  db: Kysely<Database>,
  org: ScopedOrganization,
  now: Date,
  fields: Pick<Insertable<Database["change_requests"]>, "state" | "risk" | "policy_rule" | "author_label"> &
    Partial<Insertable<Database["change_requests"]>>,
): Promise<string> {
  const submission = samlSubmission(fixtureText("saml-okta-1.xml"), now);
  const row = await db
    .insertInto("change_requests")
    .values({
      organization_id: org.id,
      protocol: "saml",
      desired: JSON.stringify({
        configuration: submission.configuration,
        comparable: comparableFor(submission.configuration, submission.report),
        displayName: org.name,
      }),
      report: JSON.stringify(submission.report),
      verdict: "ok",
      summary: "test",
      policy_reason: "test",
      submitted_at: now,
      ...fields,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return String(row.id);
}

export async function createOrg(db: Kysely<Database>, slug: string, name = `Org ${slug}`): Promise<ScopedOrganization> {
  const row = await db
    .insertInto("organizations")
    .values({ slug, name })
    .returning(["id", "slug", "name", "auth0_org_id"])
    .executeTakeFirstOrThrow();
  return { id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id };
}

/** A portal user who has not signed in yet; `name` null for one whose IdP sends none. */
export async function createUser(
  db: Kysely<Database>,
  email: string,
  name: string | null = email.split("@")[0]!,
): Promise<ScopedUser> {
  const row = await db
    .insertInto("users")
    .values({ email, name })
    .returning(["id", "email", "name"])
    .executeTakeFirstOrThrow();
  return row;
}

export async function member(
  db: Kysely<Database>,
  user: ScopedUser,
  org: ScopedOrganization,
  role: OrgRole,
): Promise<OrgScope> {
  await db.insertInto("memberships").values({ user_id: user.id, organization_id: org.id, role }).execute();
  return { kind: "org", user, org, role };
}

export function support(user: ScopedUser, role: SupportScope["role"] = "support_agent"): SupportScope {
  return { kind: "support", user, role };
}
