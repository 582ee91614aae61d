import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { configurationFromReport } from "~/services/connections/configuration.server";
import { IDENTITY_PROVIDERS } from "~/services/connections/identity-providers";
import type { SubmitInput } from "~/services/change-requests/submit.server";
import type { Database, OrgRole } from "~/services/platform/db/schema";
import type { OrgScope, ScopedOrganization, ScopedUser, SupportScope } from "~/services/identity/scope.server";
import { validateDocument } from "~/validators";

/**
 * Change requests built from the real IdP documents in tests/fixtures/idp-documents, and the
 * people who submit and review them.
 */
export const FIXTURES = join(import.meta.dirname, "../fixtures/idp-documents");
export const fixtureText = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

/** A submission from SAML metadata, judged at `now` (the fixtures' certificates are dated). */
export function samlSubmission(xml: string, now: Date, fileName = "metadata.xml"): SubmitInput {
  const report = validateDocument(xml, { now, kind: "saml-metadata" });
  if (report.verdict === "error") throw new Error("not usable SAML metadata");
  // Expired fixture certificates only warn; a change is judged on what it changes.
  const configuration = configurationFromReport(report, {
    idp: "saml",
    source: { kind: "file", fileName },
    mapping: IDENTITY_PROVIDERS.saml.attributes,
  });
  return { configuration, report };
}

export async function createOrg(db: Kysely<Database>, slug: string): Promise<ScopedOrganization> {
  const row = await db
    .insertInto("organizations")
    .values({ slug, name: `Org ${slug}` })
    .returning(["id", "slug", "name", "auth0_org_id"])
    .executeTakeFirstOrThrow();
  return { id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id };
}

export async function createUser(db: Kysely<Database>, email: string): Promise<ScopedUser> {
  const row = await db
    .insertInto("users")
    .values({ email, name: email.split("@")[0]! })
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
