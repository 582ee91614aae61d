import { sql } from "kysely";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDraft } from "~/services/connections/drafts.server";
import { getSsoStatus, loadSsoOverview } from "~/services/connections/status.server";
import type { OrgScope, ScopedOrganization } from "~/services/identity/scope.server";
import { liveCertificateExpiry } from "~/services/monitoring/health.server";
import { withPlugin, type DB } from "~/services/platform/db.server";
import { startPortal, type RunningPortal } from "../../server/portal";
import { desiredSaml } from "../support/apply-fixtures";
import { call, sessionCookieFor } from "../support/auth";
import { StatementsByRequest, viewCounting } from "../support/statements";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * The organization SSO page reads the organization's SSO state (draft, apply jobs, live events,
 * the certificate the monitoring job last read, the newest changes) in one statement, so a view
 * costs two statements with the session's read — and that statement shows the organization its
 * own rows only, whatever the other organizations have.
 */

const TEST_CERT = readFileSync(
  join(import.meta.dirname, "../../app/services/idp-documents/testdata/test-cert.pem"),
  "utf8",
);

let database: TestDatabase;
let portal: RunningPortal;
const statements = new StatementsByRequest();
const cookies: Record<string, string> = {};
const orgs: Record<string, ScopedOrganization> = {};

/** The page as `who` sees it, and the statements its request sent. */
const view = (who: string, path: string) => viewCounting(statements, portal.url, path, cookies[who]);

/**
 * A configured organization: a draft saved through the wizard, two applied versions (the newest
 * one live, with its signing certificate) and the certificate the monitoring job read.
 */
async function configure(db: DB, who: string, org: ScopedOrganization): Promise<void> {
  const steps: Record<string, string>[] = [
    { intent: "choose-idp", idp: "saml" },
    {
      intent: "saml-details",
      givenBy: "manual",
      signInUrl: `https://idp.${org.slug}.test/sso`,
      entityId: `https://idp.${org.slug}.test/draft-entity`,
      certificate: TEST_CERT,
      emailAttribute: "email",
    },
    { intent: "save", expectedVersion: "" },
  ];
  for (const form of steps) {
    const res = await call(portal.url, `/orgs/${org.slug}/sso/setup`, { cookie: cookies[who], form });
    expect(res.status, form.intent).toBe(303);
  }
  for (const version of [1, 2]) {
    const desired = desiredSaml(org, version, ["portal"]);
    desired.connection.options.signingCert = Buffer.from(TEST_CERT).toString("base64");
    await db
      .insertInto("apply_jobs")
      .values({
        organization_id: org.id,
        kind: "apply",
        version,
        desired: JSON.stringify(desired),
        status: "succeeded",
        requested_by: `change #${version}`,
        // Microseconds, as the database keeps them: read back as the same Date either way.
        finished_at: sql<Date>`${`2026-12-0${version} 09:30:15.123956+00`}::timestamptz`,
      })
      .execute();
  }
  await db
    .insertInto("live_events")
    .values({ organization_id: org.id, protocol: "saml", action: "go-live", version: 2, actor_label: who })
    .execute();
  await db
    .insertInto("organization_health")
    .values({
      organization_id: org.id,
      cert_not_after: new Date("2027-03-01T12:00:00.000Z"),
      cert_fingerprint: `${org.slug.toUpperCase()}:FINGERPRINT`,
      cert_version: 2,
      cert_checked_at: new Date("2026-12-06T08:00:00.250Z"),
    })
    .execute();
}

beforeAll(async () => {
  process.env.NODE_ENV ??= "test";
  database = await createTestDatabase();
  const counted = { ...database, db: withPlugin(database.db, statements) };
  portal = await startPortal({ port: 0, database: { open: counted }, localTenant: { port: 0 } });
  const db = database.db;
  for (const [who, email, slug] of [
    ["alice", "alice@acme.test", "acme"],
    ["bob", "bob@globex.test", "globex"],
  ] as const) {
    cookies[who] = await sessionCookieFor(db, email);
    const org = await db
      .selectFrom("organizations")
      .select(["id", "slug", "name", "auth0_org_id"])
      .where("slug", "=", slug)
      .executeTakeFirstOrThrow();
    orgs[slug] = { id: org.id, slug: org.slug, name: org.name, auth0OrgId: org.auth0_org_id };
    await configure(db, who, orgs[slug]);
  }
  // Globex's newer attempt failed and a support lead disabled its live connection: none of it is Acme's.
  await db
    .insertInto("apply_jobs")
    .values({
      organization_id: orgs.globex!.id,
      kind: "apply",
      version: 3,
      desired: JSON.stringify(desiredSaml(orgs.globex!, 3, ["portal"])),
      status: "failed",
      last_error: "The Globex IdP refused the certificate",
      requested_by: "change #3",
      finished_at: new Date(),
    })
    .execute();
  await db
    .insertInto("live_events")
    .values({
      organization_id: orgs.globex!.id,
      protocol: "saml",
      action: "disable",
      version: 2,
      actor_label: "lena@vendor.test",
      reason: "Globex asked us to pause sign-in",
    })
    .execute();
});
afterAll(async () => {
  await portal?.close();
  await database?.destroy();
});

describe("the organization SSO page's reads", () => {
  it("costs two statements a view: the session and the organization's SSO state", async () => {
    for (const path of ["/orgs/acme/sso", "/orgs/acme/sso.data"]) {
      const page = await view("alice", path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toContain("https://idp.acme.test/draft-entity");
      // Five separate reads before (changes, draft, jobs, live events, health), one now.
      expect(page.statements, path).toHaveLength(2);
    }
  });

  it("shows an organization its own draft, jobs, events and certificate, never another's", async () => {
    const acme = await view("alice", "/orgs/acme/sso");
    expect(acme.status).toBe(200);
    // Globex's failed job and disabled connection are not Acme's: Acme's newest version is live.
    expect(acme.text).toMatch(/Status: (<!-- -->)?<span class="badge ok">Live<\/span>/);
    expect(acme.text).toContain("https://idp.acme.test/sso/v2"); // the applied version's sign-in URL
    for (const globex of [
      "idp.globex.test",
      "The Globex IdP refused the certificate",
      "Globex asked us to pause sign-in",
      "GLOBEX:FINGERPRINT",
    ]) {
      expect(acme.text).not.toContain(globex);
    }

    const globex = await view("bob", "/orgs/globex/sso");
    expect(globex.status).toBe(200);
    expect(globex.text).toMatch(/Status: (<!-- -->)?<span class="badge error">Failed<\/span>/);
    expect(globex.text).toContain("The Globex IdP refused the certificate");
    expect(globex.text).toContain("GLOBEX:FINGERPRINT");
    for (const acmeOnly of ["idp.acme.test", "ACME:FINGERPRINT"]) expect(globex.text).not.toContain(acmeOnly);
  });

  it("reads the same values as reading each table alone (dates, numbers and JSON alike on either engine)", async () => {
    const user = { id: "00000000-0000-0000-0000-000000000000", email: "alice@acme.test", name: null };
    for (const org of [orgs.acme!, orgs.globex!]) {
      const scope: OrgScope = { kind: "org", user, org, role: "org_viewer" };
      const overview = await loadSsoOverview(scope, { changes: 3 });
      expect(overview.status.draft).toEqual(await getDraft(scope));
      expect(overview.status.draft?.updatedAt).toBeInstanceOf(Date);
      expect(overview.certificate).toEqual(await liveCertificateExpiry(scope));
      expect(overview.status).toEqual(await getSsoStatus(scope));
      const job = await database.db
        .selectFrom("apply_jobs")
        .select("finished_at")
        .where("organization_id", "=", org.id)
        .where("status", "=", "succeeded")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      expect(overview.status.applied?.appliedAt).toEqual(new Date(job.finished_at!));
      expect(overview.status.applied?.certificates).toHaveLength(1);
    }
    const acme = await loadSsoOverview({ kind: "org", user, org: orgs.acme!, role: "org_viewer" }, { changes: 3 });
    expect(acme.status.state).toBe("live");
    expect(acme.certificate).toEqual({
      notAfter: new Date("2027-03-01T12:00:00.000Z"),
      fingerprint: "ACME:FINGERPRINT",
      version: 2,
      checkedAt: new Date("2026-12-06T08:00:00.250Z"),
    });
  });

  it("still moves a change whose apply job finished, and shows it applied", async () => {
    const db = database.db;
    const job = await db
      .selectFrom("apply_jobs")
      .select("id")
      .where("organization_id", "=", orgs.acme!.id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const change = await db
      .insertInto("change_requests")
      .values({
        organization_id: orgs.acme!.id,
        protocol: "saml",
        desired: "{}",
        report: "{}",
        verdict: "ok",
        summary: "Sign-in URL changed",
        state: "applying",
        risk: "low",
        policy_rule: "review",
        policy_reason: "Needs review",
        author_label: "alice@acme.test",
        version: 2,
        apply_job_id: job.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const page = await view("alice", "/orgs/acme/sso");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Sign-in URL changed");
    const moved = await db
      .selectFrom("change_requests")
      .select("state")
      .where("id", "=", change.id)
      .executeTakeFirstOrThrow();
    expect(moved.state).toBe("applied");
    // Read again after the move: the page shows the change applied, with its job's steps.
    expect(page.text).toMatch(/Applied as version (<!-- -->)?2/);
    expect(page.text).toContain("Connection written to Auth0");
  });
});
