import { sql } from "kysely";
import { expectConsoleError } from "../support/console-guard";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLoginCookie } from "~/services/test-login/test-login.server";
import { call, cookiePair, sessionCookieFor, snapshot, submitForm } from "../support/auth";
import { drained } from "../support/apply-fixtures";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { startTestPortal, type TestPortal } from "../support/portal";
import { submitChange } from "~/services/change-requests/submit.server";
import { createApiKey } from "~/services/api/keys.server";
import type { OrgScope, SupportScope } from "~/services/identity/scope.server";
import { fixtureText, samlSubmission } from "../support/change-fixtures";

const TEST_CERT = readFileSync(
  join(import.meta.dirname, "../../app/services/idp-documents/testdata/test-cert.pem"),
  "utf8",
);

/**
 * The isolation matrix: every organization route and action, and every support action, tried by
 * everyone who must not use it — nobody, a member of another organization, a viewer where an
 * administrator is needed, vendor support where support must not act. Each must get the right
 * status, leak nothing, change nothing in the database, and leave a row (a member's refusal in
 * the organization's audit log, anyone else's in support's security log). Positive
 * controls at the end show the same requests do change things when the right person sends them.
 */

// Set before the portal starts (and reads its environment): /metrics then needs this token, local mode or not.
const METRICS_TOKEN = "metrics-token-for-the-isolation-test-0001";
process.env.METRICS_TOKEN = METRICS_TOKEN;

let portal: TestPortal;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};

async function userId(email: string): Promise<string> {
  const row = await portal.database.db
    .selectFrom("users")
    .select("id")
    .where(sql`lower(email)`, "=", email)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Refusals recorded: a member's in their organization's audit log, anyone else's in support's security log. */
async function deniedCount(): Promise<number> {
  const [audit, security] = await Promise.all([
    portal.database.db
      .selectFrom("audit_events")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("outcome", "=", "denied")
      .executeTakeFirstOrThrow(),
    portal.database.db
      .selectFrom("security_events")
      .select((eb) => eb.fn.sum<string>("count").as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return Number(audit.n) + Number(security.n ?? 0);
}

let dns: TestDnsServer;

beforeAll(async () => {
  // Domain checks ask this server (the built portal reads DNS_SERVERS when it first needs it).
  dns = await startDnsServer();
  process.env.DNS_SERVERS = dns.address;
  portal = await startTestPortal();
  const db = portal.database.db;
  // A pending domain in Acme, and Umbrella: an organization for the lifecycle actions (with a pending domain).
  const acme = await db.selectFrom("organizations").select("id").where("slug", "=", "acme").executeTakeFirstOrThrow();
  const umbrella = await db
    .insertInto("organizations")
    .values({ slug: "umbrella", name: "Umbrella", auth0_org_id: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (const [key, organizationId, domain] of [
    ["acmeDomain", acme.id, "acme-pending.test"],
    ["umbrellaDomain", umbrella.id, "umbrella.test"],
  ] as const) {
    const row = await db
      .insertInto("organization_domains")
      .values({
        organization_id: organizationId,
        domain,
        token: `sso-portal-verification=${key}`,
        created_by_label: "test",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids[key] = row.id;
  }
  dns.txt.set("_sso-portal-verification.acme-pending.test", ["sso-portal-verification=acmeDomain"]);
  for (const [who, email] of Object.entries({
    alice: "alice@acme.test",
    victor: "victor@acme.test",
    bob: "bob@globex.test",
    sam: "sam@vendor.test",
    lena: "lena@vendor.test",
  })) {
    cookies[who] = await sessionCookieFor(db, email);
    ids[who] = await userId(email);
  }
  // A pending link in each organization, made the way their administrators make them.
  for (const [who, slug] of [
    ["alice", "acme"],
    ["bob", "globex"],
  ] as const) {
    const { page } = await submitForm(portal.url, `/orgs/${slug}/links`, {
      cookie: cookies[who]!,
      form: { intent: "invite", role: "org_viewer", maxUses: "1", ttlHours: "72" },
    });
    expect(page?.text).toContain("Setup link created");
  }
  const { page } = await submitForm(portal.url, "/support/links", {
    cookie: cookies.lena!,
    form: { intent: "invite", orgSlug: "globex", role: "org_admin", maxUses: "1", ttlHours: "72" },
  });
  expect(page?.text).toContain("Setup link created");
  const inv = await db
    .selectFrom("invitations")
    .innerJoin("organizations", "organizations.id", "invitations.organization_id")
    .select(["invitations.id", "organizations.slug", "invitations.created_by_label"])
    .execute();
  ids.acmeInvite = inv.find((i) => i.slug === "acme")!.id;
  ids.globexInvite = inv.find((i) => i.slug === "globex" && i.created_by_label === "bob@globex.test")!.id;
  ids.lenaInvite = inv.find((i) => i.created_by_label === "lena@vendor.test")!.id;
  // A saved SSO draft in each organization, made through the wizard by its administrator.
  for (const [who, slug] of [
    ["alice", "acme"],
    ["bob", "globex"],
  ] as const) {
    const steps: Record<string, string>[] = [
      { intent: "choose-idp", idp: "saml" },
      {
        intent: "saml-details",
        givenBy: "manual",
        signInUrl: `https://idp.${slug}.test/sso`,
        entityId: `https://idp.${slug}.test`,
        certificate: TEST_CERT,
        emailAttribute: "email",
      },
      { intent: "save", expectedVersion: "" },
    ];
    for (const form of steps) {
      const res = await call(portal.url, `/orgs/${slug}/sso/setup`, { cookie: cookies[who], form });
      expect(res.status, JSON.stringify(form.intent)).toBe(303);
    }
  }
  expect(await db.selectFrom("connection_drafts").select("version").execute()).toEqual([
    { version: 1 },
    { version: 1 },
  ]);

  // A version staged on each organization's -test connection, and one finished test login each.
  for (const slug of ["acme", "globex"]) {
    const org = await db.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
    const desired = { connection: { protocol: "saml", stage: "test", options: {} } };
    await db
      .insertInto("apply_jobs")
      .values({
        organization_id: org.id,
        kind: "apply",
        version: 1,
        desired: JSON.stringify(desired),
        status: "succeeded",
        requested_by: "test",
        finished_at: new Date(),
      })
      .execute();
    const test = await db
      .insertInto("test_logins")
      .values({
        organization_id: org.id,
        protocol: "saml",
        connection_name: `sso-${slug}-saml-test`,
        version: 1,
        started_by: ids[slug === "acme" ? "alice" : "bob"]!,
        started_by_label: `${slug}-admin`,
        status: "passed",
        subject: `samlp|sso-${slug}-saml-test|${slug}-secret-subject`,
        claims: JSON.stringify({ email: `someone@${slug}.test` }),
        checks: JSON.stringify([]),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids[`${slug}Test`] = test.id;
    ids[`${slug}Org`] = org.id;
  }
});

afterAll(async () => {
  await portal?.stop();
  await dns?.close();
  delete process.env.DNS_SERVERS;
});

interface Probe {
  name: string;
  path: string;
  form?: () => Record<string, string>;
  /** A page for the organization's administrators only: a viewer gets 403. */
  adminOnly?: boolean;
  /** A support lead's page only: a support agent gets 403. */
  leadOnly?: boolean;
  /** Where a successful POST sends the browser, when not back to the same page. */
  redirectsTo?: string;
}

const ORG_PROBES: Probe[] = [
  { name: "GET the organization's members", path: "/orgs/acme" },
  { name: "GET the organization's layout (single-fetch data)", path: "/orgs/acme.data?_routes=routes%2Forgs.%24slug" },
  { name: "GET the setup links", path: "/orgs/acme/links", adminOnly: true },
  {
    name: "GET the setup links (single-fetch data)",
    path: "/orgs/acme/links.data?_routes=routes%2Forgs.%24slug.links",
    adminOnly: true,
  },
  { name: "GET the audit log", path: "/orgs/acme/audit", adminOnly: true },
  {
    name: "GET the audit log (single-fetch data)",
    path: "/orgs/acme/audit.data?_routes=routes%2Forgs.%24slug.audit",
    adminOnly: true,
  },
  {
    name: "POST create a setup link",
    path: "/orgs/acme/links",
    form: () => ({ intent: "invite", role: "org_admin", maxUses: "5", ttlHours: "72" }),
  },
  {
    name: "POST revoke a setup link",
    path: "/orgs/acme/links",
    form: () => ({ intent: "revoke-invite", invitationId: ids.acmeInvite! }),
  },
  {
    name: "POST change a member's role",
    path: "/orgs/acme?index",
    form: () => ({ intent: "change-role", userId: ids.victor!, role: "org_admin" }),
  },
  { name: "GET test and go live", path: "/orgs/acme/sso/live" },
  { name: "GET a test login's result", path: `/orgs/acme/sso/tests/__acmeTest__` },
  { name: "POST go live", path: "/orgs/acme/sso/live", form: () => ({ intent: "go-live" }) },
  { name: "POST roll back", path: "/orgs/acme/sso/live", form: () => ({ intent: "roll-back" }) },
  {
    name: "POST remove a member",
    path: "/orgs/acme?index",
    form: () => ({ intent: "remove-member", userId: ids.victor! }),
  },
  { name: "POST an unknown intent", path: "/orgs/acme?index", form: () => ({ intent: "delete-everything" }) },
  {
    name: "POST create a setup link (single-fetch action)",
    path: "/orgs/acme/links.data",
    form: () => ({ intent: "invite", role: "org_admin", maxUses: "5", ttlHours: "72" }),
  },
  {
    name: "POST create a setup link (?_data spelling)",
    path: "/orgs/acme/links?_data=routes%2Forgs.%24slug.links",
    form: () => ({ intent: "invite", role: "org_admin", maxUses: "3", ttlHours: "24" }),
  },
  { name: "GET the domains", path: "/orgs/acme/domains" },
  {
    name: "POST add a domain",
    path: "/orgs/acme/domains",
    form: () => ({ intent: "add-domain", domain: "acme.test" }),
  },
  {
    name: "POST check a domain's record",
    path: "/orgs/acme/domains",
    form: () => ({ intent: "check-domain", domainId: ids.acmeDomain! }),
  },
  {
    name: "POST remove a domain",
    path: "/orgs/acme/domains",
    form: () => ({ intent: "remove-domain", domainId: ids.acmeDomain! }),
  },
];

/** The SSO page and its setup wizard; `adminOnly`: a viewer may not even look (403). */
const SSO_PROBES: (Probe & { adminOnly?: boolean })[] = [
  { name: "GET the SSO page", path: "/orgs/acme/sso" },
  { name: "GET the SP metadata download", path: "/orgs/acme/sso/sp-metadata?idp=okta" },
  { name: "GET the setup wizard", path: "/orgs/acme/sso/setup?step=check", adminOnly: true },
  { name: "POST choose an IdP", path: "/orgs/acme/sso/setup", form: () => ({ intent: "choose-idp", idp: "okta" }) },
  {
    name: "POST SAML details (a URL the portal would fetch)",
    path: "/orgs/acme/sso/setup",
    form: () => ({
      intent: "saml-details",
      givenBy: "url",
      metadataUrl: "https://idp.example.com/md",
      emailAttribute: "email",
    }),
  },
  {
    name: "POST OIDC details with a client secret",
    path: "/orgs/acme/sso/setup",
    form: () => ({
      intent: "oidc-details",
      discoveryUrl: "https://idp.example.com/.well-known/openid-configuration",
      clientId: "c",
      clientSecret: "isolation-secret-value",
      clientType: "back_channel",
      emailAttribute: "email",
    }),
  },
  { name: "POST save the draft", path: "/orgs/acme/sso/setup", form: () => ({ intent: "save", expectedVersion: "1" }) },
  { name: "POST start over", path: "/orgs/acme/sso/setup", form: () => ({ intent: "start-over" }) },
  {
    name: "POST save and submit for review (the wizard)",
    path: "/orgs/acme/sso/setup",
    form: () => ({ intent: "save", expectedVersion: "1", submitForReview: "on" }),
  },
  { name: "POST discard the draft", path: "/orgs/acme/sso", form: () => ({ intent: "discard-draft", version: "1" }) },
  {
    name: "POST submit the draft for review",
    path: "/orgs/acme/sso",
    form: () => ({ intent: "submit-change", draftVersion: "1" }),
  },
  {
    name: "POST discard the draft (single-fetch action)",
    path: "/orgs/acme/sso.data",
    form: () => ({ intent: "discard-draft", version: "1" }),
  },
];

const SUPPORT_PROBES: Probe[] = [
  { name: "GET the organizations", path: "/support" },
  { name: "GET the organizations (single-fetch data)", path: "/support.data?_routes=routes%2Fsupport._index" },
  { name: "GET the layout (single-fetch data)", path: "/support.data?_routes=routes%2Fsupport" },
  { name: "GET the setup links issued", path: "/support/links" },
  { name: "GET the audit log", path: "/support/audit" },
  { name: "GET the security log", path: "/support/security" },
  { name: "GET the support console", path: "/support" },
  { name: "GET the live connections", path: "/support/live" },
  {
    name: "POST disable an organization's live connection",
    path: "/support/live",
    form: () => ({ intent: "disable", organizationId: ids.acmeOrg!, reason: "emergency drill" }),
  },
  { name: "GET the support console (single-fetch data)", path: "/support.data?_routes=routes%2Fsupport._index" },
  {
    name: "POST create an organization (single-fetch action)",
    path: "/support.data?index",
    form: () => ({
      intent: "create-org",
      slug: "initech2",
      name: "Initech 2",
      auth0: "none",
      auth0OrgId: "org_Initech0002",
    }),
    redirectsTo: "/support/orgs/initech2",
  },
  {
    name: "POST create a setup link for any organization",
    path: "/support/links",
    form: () => ({ intent: "invite", orgSlug: "acme", role: "org_admin", maxUses: "1", ttlHours: "72" }),
  },
  {
    name: "POST revoke a setup link",
    path: "/support/links",
    form: () => ({ intent: "revoke-invite", invitationId: ids.lenaInvite! }),
  },
  {
    name: "POST create an organization",
    path: "/support?index",
    form: () => ({
      intent: "create-org",
      slug: "initech",
      name: "Initech",
      auth0: "none",
      auth0OrgId: "org_Initech0001",
    }),
    redirectsTo: "/support/orgs/initech",
  },
  { name: "GET the scheduled jobs", path: "/support/jobs" },
  { name: "GET every organization's health", path: "/support/health?attention=1&sort=certificate" },
  {
    name: "POST run a scheduled job now",
    path: "/support/jobs",
    form: () => ({ intent: "run-now", name: "session-sweep" }),
  },
  {
    name: "POST run the verified-domain re-check now",
    path: "/support/jobs",
    form: () => ({ intent: "run-now", name: "domain-recheck" }),
  },
  { name: "GET an organization's page", path: "/support/orgs/acme" },
  {
    name: "POST issue an organization's first administrator's link",
    path: "/support/orgs/umbrella",
    form: () => ({ intent: "invite", role: "org_admin", maxUses: "1", ttlHours: "72" }),
  },
  {
    name: "POST verify a domain by hand",
    path: "/support/orgs/umbrella",
    form: () => ({ intent: "verify-domain", domainId: ids.umbrellaDomain!, reason: "Ticket 1234: WHOIS" }),
  },
  {
    name: "POST rename an organization",
    path: "/support/orgs/umbrella",
    form: () => ({ intent: "rename", name: "Umbrella Corp" }),
  },
  { name: "POST suspend an organization", path: "/support/orgs/umbrella", form: () => ({ intent: "suspend" }) },
  { name: "POST resume an organization", path: "/support/orgs/umbrella", form: () => ({ intent: "resume" }) },
  {
    name: "POST re-apply our version over a drift",
    path: "/support/orgs/acme",
    form: () => ({ intent: "reapply-drift" }),
  },
  {
    name: "POST accept Auth0's version of a drift",
    path: "/support/orgs/acme",
    form: () => ({ intent: "accept-drift" }),
  },
  {
    name: "POST remove an organization",
    path: "/support/orgs/umbrella",
    form: () => ({ intent: "remove", connections: "delete", auth0Organization: "detach", confirmation: "umbrella" }),
  },
  { name: "GET the API keys", path: "/support/api-keys", leadOnly: true },
  {
    name: "POST create an API key",
    path: "/support/api-keys",
    form: () => ({ intent: "create-key", name: "Probe key", organization: "" }),
  },
];

type Expectation = "login" | 401 | 403 | 404;

/** Who may not do what, and what they must get. */
const ORG_MATRIX: { actor: string | null; get: Expectation | 200; post: Expectation }[] = [
  { actor: null, get: "login", post: 401 },
  { actor: "bob", get: 404, post: 404 },
  { actor: "sam", get: 404, post: 404 },
  { actor: "lena", get: 404, post: 404 },
  { actor: "victor", get: 200, post: 403 },
];

const SUPPORT_MATRIX: { actor: string | null; get: Expectation | 200; post: Expectation }[] = [
  { actor: null, get: "login", post: 401 },
  { actor: "alice", get: 404, post: 404 },
  { actor: "victor", get: 404, post: 404 },
  { actor: "bob", get: 404, post: 404 },
  { actor: "sam", get: 200, post: 403 },
];

/** Strings that only someone allowed to see acme's or the console's pages may see. */
const SECRETS_OF_ACME = ["victor@acme.test", "Victor Viewer", "acme-secret-subject"];

async function probe(actor: string | null, p: Probe, expected: Expectation | 200) {
  // Remix warns (console.error) on the old ?_data spelling, which this probe uses on purpose.
  if (p.path.includes("?_data=")) expectConsoleError(/should not be making \?_data requests/);
  const before = await snapshot(portal.database.db);
  const denied = await deniedCount();
  const res = await call(portal.url, p.path.replace("__acmeTest__", ids.acmeTest!), {
    cookie: actor ? cookies[actor] : undefined,
    form: p.form?.(),
  });
  const isData = p.path.includes(".data");
  if (expected === "login") {
    // Single-fetch data requests answer a redirect in their own encoding (status 202 + X-Remix-Redirect... or 204).
    if (isData) expect([202, 204, 302]).toContain(res.status);
    else {
      expect(res.status).toBe(302);
      expect(res.location).toMatch(/^\/auth\/login\?returnTo=%2F/);
    }
  } else if (expected === 200) {
    expect(res.status).toBe(200);
  } else {
    expect(res.status).toBe(expected);
  }
  if (expected !== 200) {
    // (Victor is one of acme's members: the list of them is his to see, not what he is refused.)
    if (actor !== "victor")
      for (const s of SECRETS_OF_ACME) if (p.path.startsWith("/orgs")) expect(res.text).not.toContain(s);
    expect(res.text).not.toContain("invites/");
    expect(res.text).not.toContain("invitation.created");
    expect(await deniedCount()).toBe(denied + 1);
  }
  expect(await snapshot(portal.database.db)).toBe(before);
}

/**
 * A test per actor (a matrix row) and probe, each expecting what `expected` says. `probes` is
 * called again inside each test, so a probe may name ids the file's beforeAll hooks create.
 */
function probeMatrix<Row extends { actor: string | null }>(
  rows: Row[],
  probes: () => Probe[],
  expected: (row: Row, p: Probe) => Expectation | 200,
) {
  for (const row of rows) {
    probes().forEach((named, i) => {
      const e = expected(row, named);
      it(`${row.actor ?? "anonymous"}: ${named.name} → ${e}`, async () => {
        await probe(row.actor, probes()[i]!, e);
      });
    });
  }
}

describe("tenant isolation: organization routes", () => {
  probeMatrix(
    ORG_MATRIX,
    () => ORG_PROBES,
    (row, p) => (p.form ? row.post : p.adminOnly && row.get === 200 ? 403 : row.get),
  );
});

describe("tenant isolation: the SSO page and setup wizard", () => {
  probeMatrix(
    ORG_MATRIX,
    () => SSO_PROBES,
    (row, p) => (p.form ? row.post : p.adminOnly && row.get === 200 ? 403 : row.get),
  );

  it("an administrator reaches only her own organization's draft: Globex's stays as Bob saved it", async () => {
    const globex = await portal.database.db
      .selectFrom("connection_drafts")
      .innerJoin("organizations", "organizations.id", "connection_drafts.organization_id")
      .select(["connection_drafts.version", "connection_drafts.author_label", "connection_drafts.configuration"])
      .where("organizations.slug", "=", "globex")
      .executeTakeFirstOrThrow();
    const page = await call(portal.url, "/orgs/acme/sso", { cookie: cookies.alice });
    expect(page.status).toBe(200);
    expect(page.text).toContain("https://idp.acme.test");
    expect(page.text).not.toContain("idp.globex.test");
    expect(globex).toMatchObject({ version: 1, author_label: "bob@globex.test" });
  });
});

describe("tenant isolation: the support console", () => {
  probeMatrix(
    SUPPORT_MATRIX,
    () => SUPPORT_PROBES,
    (row, p) => (p.form ? row.post : p.leadOnly && row.get === 200 ? 403 : row.get),
  );
});

describe("tenant isolation: ids of another organization inside one's own", () => {
  it("an admin cannot revoke another organization's link through their own organization's page", async () => {
    const before = await snapshot(portal.database.db);
    const res = await call(portal.url, "/orgs/acme/links", {
      cookie: cookies.alice,
      form: { intent: "revoke-invite", invitationId: ids.globexInvite! },
    });
    expect(res.status).toBe(404);
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("an admin cannot change the role of, or remove, another organization's member", async () => {
    const before = await snapshot(portal.database.db);
    for (const form of [
      { intent: "change-role", userId: ids.bob!, role: "org_viewer" },
      { intent: "remove-member", userId: ids.bob! },
    ] as Record<string, string>[]) {
      const res = await call(portal.url, "/orgs/acme?index", { cookie: cookies.alice, form });
      expect(res.status).toBe(400);
      expect(res.text).toContain("not a member of this organization");
    }
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("an admin does not see another organization's members, links or audit rows on their pages", async () => {
    const members = await call(portal.url, "/orgs/acme", { cookie: cookies.alice });
    expect(members.status).toBe(200);
    expect(members.text).toContain("victor@acme.test");
    expect(members.text).not.toContain("Bob Builder"); // globex's member list
    const links = await call(portal.url, "/orgs/acme/links", { cookie: cookies.alice });
    const audit = await call(portal.url, "/orgs/acme/audit", { cookie: cookies.alice });
    expect(links.status).toBe(200);
    expect(audit.status).toBe(200);
    expect(links.text).toContain(`value="${ids.acmeInvite}"`);
    // globex's links and their audit rows (invitation.created names the link's id)
    for (const page of [links, audit]) {
      expect(page.text).not.toContain(ids.globexInvite);
      expect(page.text).not.toContain(ids.lenaInvite);
    }
    // Another organization's people refused at acme are support's business, not acme's: acme's
    // administrators never learn their names (security review 2026-12-06).
    expect(audit.text).not.toContain("bob@globex.test");
    expect(audit.text).not.toContain("Bob Builder");
  });

  it("a domain's lost verification (the re-check's finding) shows on its own organization's pages only", async () => {
    const acme = await portal.database.db
      .selectFrom("organizations")
      .select("id")
      .where("slug", "=", "acme")
      .executeTakeFirstOrThrow();
    const reason = "No TXT record was found (acme-lost-marker).";
    await portal.database.db
      .insertInto("organization_domains")
      .values({
        organization_id: acme.id,
        domain: "acme-lost.test",
        token: "sso-portal-verification=acmeLost",
        created_by_label: "test",
        verification_lost_at: new Date("2026-12-01T10:00:00Z"),
        verification_lost_reason: reason,
      })
      .execute();
    for (const [who, path] of [
      ["alice", "/orgs/acme/domains"],
      ["victor", "/orgs/acme/domains"],
      ["lena", "/support/orgs/acme"],
      ["sam", "/support/orgs/acme"],
    ] as const) {
      const page = await call(portal.url, path, { cookie: cookies[who] });
      expect(page.status, `${who} ${path}`).toBe(200);
      expect(page.text).toContain("Verification lost");
      expect(page.text).toContain("acme-lost-marker");
    }
    const bob = await call(portal.url, "/orgs/globex/domains", { cookie: cookies.bob });
    expect(bob.status).toBe(200);
    expect(bob.text).not.toContain("acme-lost");
    expect((await call(portal.url, "/orgs/acme/domains", { cookie: cookies.bob })).text).not.toContain(
      "acme-lost-marker",
    );
  });

  it("nobody can accept a setup link without signing in", async () => {
    const before = await snapshot(portal.database.db);
    const res = await call(portal.url, `/invites/${"A".repeat(43)}`, { form: {} });
    expect(res.status).toBe(401);
    expect(await snapshot(portal.database.db)).toBe(before);
  });
});

describe("tenant isolation: test logins", () => {
  it("another organization's result answers 404, through either organization's pages", async () => {
    for (const [cookie, path] of [
      [cookies.bob, `/orgs/globex/sso/tests/${ids.acmeTest}`],
      [cookies.alice, `/orgs/acme/sso/tests/${ids.globexTest}`],
      [cookies.alice, "/orgs/acme/sso/tests/not-a-uuid"],
    ] as const) {
      const res = await call(portal.url, path, { cookie });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("secret-subject");
    }
  });

  it("only an administrator starts a test; the start is a link the portal's own pages follow", async () => {
    const before = await snapshot(portal.database.db);
    const expected: [string | undefined, number][] = [
      [undefined, 302],
      [cookies.bob, 404],
      [cookies.sam, 404],
      [cookies.victor, 403],
    ];
    for (const [cookie, status] of expected) {
      const res = await call(portal.url, "/orgs/acme/sso/test-login", { cookie });
      expect(res.status).toBe(status);
      if (status === 302) expect(res.location).toMatch(/^\/auth\/login/);
    }
    const crossSite = await call(portal.url, "/orgs/acme/sso/test-login", {
      cookie: cookies.alice,
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("the callback records nothing for another person, a replayed or forged state, or nobody", async () => {
    const start = await call(portal.url, "/orgs/acme/sso/test-login", { cookie: cookies.alice });
    expect(start.status).toBe(302);
    expect(start.location).toContain("connection=sso-acme-saml-test");
    const state = new URL(start.location!).searchParams.get("state")!;
    const pendingCookie = cookiePair(start.setCookies.find((c) => c.includes("test_login"))!);
    const pending = (await testLoginCookie().parse(pendingCookie)) as { testId: string };
    const row = () =>
      portal.database.db
        .selectFrom("test_logins")
        .selectAll()
        .where("id", "=", pending.testId)
        .executeTakeFirstOrThrow();
    expect((await row()).status).toBe("pending");
    const before = await snapshot(portal.database.db);
    const answer = `/test-login/callback?state=${state}&error=access_denied&error_description=forged`;
    const attempts: [string | undefined, string, number][] = [
      // Another organization's administrator carrying Alice's test (a stolen cookie): not theirs.
      [`${cookies.bob}; ${pendingCookie}`, answer, 404],
      // Alice's own browser, but an answer with another state (forged, or for an older test).
      [`${cookies.alice}; ${pendingCookie}`, `/test-login/callback?state=${"x".repeat(43)}&code=abc`, 400],
      // Alice without the test's cookie (another browser, or the answer replayed after it ended).
      [cookies.alice, answer, 400],
      // Nobody.
      [pendingCookie, answer, 302],
    ];
    for (const [cookie, path, status] of attempts) {
      const res = await call(portal.url, path, { cookie });
      expect(res.status, path).toBe(status);
    }
    expect(await snapshot(portal.database.db)).toBe(before);
    expect((await row()).status).toBe("pending");
    // The real answer, in the browser that started it, is recorded once; replaying it changes nothing.
    const done = await call(portal.url, answer, { cookie: `${cookies.alice}; ${pendingCookie}` });
    expect(done.status).toBe(302);
    expect(done.location).toBe(`/orgs/acme/sso/tests/${pending.testId}`);
    expect((await row()).status).toBe("failed");
    const finished = await snapshot(portal.database.db);
    const replay = await call(portal.url, answer, { cookie: `${cookies.alice}; ${pendingCookie}` });
    expect(replay.status).toBe(302);
    expect(await snapshot(portal.database.db)).toBe(finished);
  });
});

describe("/metrics needs its bearer token", () => {
  it.each([
    ["nobody", {}],
    ["a support lead's session", { cookie: "lena" }],
    ["an organization administrator's session", { cookie: "alice" }],
    ["a wrong token", { authorization: "Bearer metrics-token-for-the-isolation-test-0002" }],
    ["the token without Bearer", { authorization: METRICS_TOKEN }],
  ] as const)("refuses %s with 401 and shows no number", async (_label, who) => {
    const headers: Record<string, string> = {};
    if ("cookie" in who) headers.cookie = cookies[who.cookie]!;
    if ("authorization" in who) headers.authorization = who.authorization;
    const res = await fetch(`${portal.url}/metrics`, { headers, redirect: "manual" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await res.text()).not.toContain("sso_portal_");
  });

  it("answers Prometheus with the token", async () => {
    const res = await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("sso_portal_http_request_duration_seconds_count");
  });
});

describe("same-origin check on every request that changes something", () => {
  const form = { intent: "invite", role: "org_admin", maxUses: "1", ttlHours: "72" };
  it.each([
    ["another site's Origin", { origin: "https://evil.example" }],
    ["no Origin and no Sec-Fetch-Site", { origin: null }],
    ["Sec-Fetch-Site: cross-site", { headers: { "sec-fetch-site": "cross-site" } }],
    ["Sec-Fetch-Site: same-site", { headers: { "sec-fetch-site": "same-site" } }],
  ] as const)("refuses a signed-in administrator's POST with %s", async (_label, extra) => {
    const before = await snapshot(portal.database.db);
    const denied = await deniedCount();
    const res = await call(portal.url, "/orgs/acme/links", { cookie: cookies.alice, form, ...extra });
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/did not come from the portal/);
    expect(await snapshot(portal.database.db)).toBe(before);
    expect(await deniedCount()).toBe(denied + 1);
  });

  it("refuses a cross-site sign-out (it would end a session)", async () => {
    const res = await call(portal.url, "/auth/logout", {
      cookie: cookies.victor,
      form: { scope: "everywhere" },
      origin: "https://evil.example",
    });
    expect(res.status).toBe(403);
    expect((await call(portal.url, "/orgs/acme", { cookie: cookies.victor })).status).toBe(200);
  });
});

/** The page a probe's path names, without Remix's `.data` and query spellings. */
const pageOf = (path: string) => path.replace(/\?.*$/, "").replace(/\.data$/, "");

/**
 * POST-redirect-GET back to the page, in each spelling's encoding: a 303 for a document POST, the
 * redirect inside a 202 turbo-stream for single fetch, X-Remix-Redirect on a 204 for `?_data`.
 */
function expectRedirectBack(res: Awaited<ReturnType<typeof call>>, page: string, name: string) {
  if (res.status === 202) expect(res.text, name).toContain(`"redirect","${page}","status",303`);
  else if (res.status === 204) expect(res.headers.get("x-remix-redirect"), name).toBe(page);
  else {
    expect(res.status, name).toBe(303);
    expect(res.location, name).toBe(page);
  }
  expect(res.setCookies.join(";"), name).toMatch(/portal_flash=/);
}

describe("positive controls: the same requests work for the right people", () => {
  it("Acme's administrator moves through the wizard, saves over her draft and discards it", async () => {
    const db = portal.database.db;
    const setup = "/orgs/acme/sso/setup";
    let before = await snapshot(db);
    for (const [form, to] of [
      [{ intent: "choose-idp", idp: "okta" }, `${setup}?step=values`],
      [{ intent: "start-over" }, `${setup}?step=idp`],
      [{ intent: "choose-idp", idp: "saml" }, `${setup}?step=values`],
      [
        {
          intent: "saml-details",
          givenBy: "manual",
          signInUrl: "https://idp.acme.test/sso/v2",
          entityId: "https://idp.acme.test",
          certificate: TEST_CERT,
          emailAttribute: "email",
        },
        `${setup}?step=check`,
      ],
      [{ intent: "save", expectedVersion: "1" }, "/orgs/acme/sso"],
      [{ intent: "discard-draft", version: "2" }, "/orgs/acme/sso"],
    ] as [Record<string, string>, string][]) {
      const path = form.intent === "discard-draft" ? "/orgs/acme/sso" : setup;
      const res = await call(portal.url, path, { cookie: cookies.alice, form });
      expect(res.status, form.intent).toBe(303);
      expect(res.location, form.intent).toBe(to);
      const after = await snapshot(db);
      expect(after, form.intent).not.toBe(before);
      before = after;
    }
    expect(await db.selectFrom("connection_drafts").select("author_label").execute()).toEqual([
      { author_label: "bob@globex.test" },
    ]);
  });

  it("an org admin creates and revokes links, changes a role and removes a member", async () => {
    const db = portal.database.db;
    let before = await snapshot(db);
    // Go live and roll back need a real tested connection: their positive journeys are in tests/e2e.
    for (const p of ORG_PROBES.filter(
      (x) => x.form && !x.form().intent!.startsWith("delete") && !x.path.includes("/sso/"),
    )) {
      if (p.name === "POST check a domain's record") expect(dns.queries).toEqual([]);
      if (p.path.includes("?_data=")) expectConsoleError(/should not be making \?_data requests/);
      const res = await call(portal.url, p.path, { cookie: cookies.alice, form: p.form!() });
      expectRedirectBack(res, pageOf(p.path), p.name);
      const after = await snapshot(db);
      expect(after, p.name).not.toBe(before);
      before = after;
    }
    const victor = await db.selectFrom("memberships").selectAll().where("user_id", "=", ids.victor!).executeTakeFirst();
    expect(victor).toBeUndefined();
    // The removal takes effect on Victor's very next request.
    expect((await call(portal.url, "/orgs/acme", { cookie: cookies.victor })).status).toBe(404);
  });

  it("a support lead creates links and organizations and revokes links", async () => {
    const db = portal.database.db;
    let before = await snapshot(db);
    // Disabling needs a live connection: its positive journey is in tests/e2e.
    // Drift resolutions need a drifted connection: their positive journeys are in monitoring-jobs.test.ts.
    const drift = (x: Probe) => ["reapply-drift", "accept-drift"].includes(x.form?.().intent ?? "");
    for (const p of SUPPORT_PROBES.filter((x) => x.form && x.path !== "/support/live" && !drift(x))) {
      const res = await call(portal.url, p.path, { cookie: cookies.lena, form: p.form!() });
      expectRedirectBack(res, p.redirectsTo ?? pageOf(p.path), p.name);
      const after = await snapshot(db);
      expect(after, p.name).not.toBe(before);
      before = after;
    }
    // "Run now" woke the portal's scheduler: the run happens, then the job waits for its next period.
    const sweeps = () =>
      db.selectFrom("scheduled_jobs").select("runs").where("name", "=", "session-sweep").executeTakeFirst();
    await expect.poll(async () => (await sweeps())?.runs).toBe(2);
    // Umbrella's suspension, resumption and removal reach Auth0 through the apply engine; it ends "removed".
    await drained(db);
    expect(
      (await db.selectFrom("organizations").select("status").where("slug", "=", "umbrella").executeTakeFirstOrThrow())
        .status,
    ).toBe("removed");
    before = await snapshot(db);
    const initech = await db
      .selectFrom("organizations")
      .selectAll()
      .where("slug", "=", "initech")
      .executeTakeFirstOrThrow();
    expect(initech.auth0_org_id).toBe("org_Initech0001");
    // The same slug or Auth0 organization again: a clear refusal, nothing created.
    for (const form of [
      { intent: "create-org", slug: "initech", name: "Initech again", auth0: "none" },
      { intent: "create-org", slug: "initech-2", name: "Initech 2", auth0: "none", auth0OrgId: "org_Initech0001" },
      { intent: "create-org", slug: "Bad Slug", name: "Bad", auth0: "none" },
      { intent: "create-org", slug: "fine", name: "Fine", auth0: "none", auth0OrgId: "not-an-org-id" },
      { intent: "create-org", slug: "fine", name: "Fine" },
    ] as Record<string, string>[]) {
      const res = await call(portal.url, "/support?index", { cookie: cookies.lena, form });
      expect(res.status, JSON.stringify(form)).toBe(400);
    }
    expect(await snapshot(db)).toBe(before);
  });

  it("a support lead's drift buttons reach the drift service (nothing applied yet: refused, nothing changed)", async () => {
    const db = portal.database.db;
    const before = await snapshot(db);
    for (const intent of ["reapply-drift", "accept-drift"]) {
      const res = await call(portal.url, "/support/orgs/globex", { cookie: cookies.lena, form: { intent } });
      expect(res.status, intent).toBe(400);
      expect(res.text, intent).toContain("Nothing has been applied for this organization yet.");
    }
    expect(await snapshot(db)).toBe(before);
  });
});

describe("tenant isolation: change requests, review, policies, versions and the outbox", () => {
  const changeIds: Record<string, string> = {};

  beforeAll(async () => {
    const db = portal.database.db;
    const orgs = await db.selectFrom("organizations").select(["id", "slug", "name", "auth0_org_id"]).execute();
    // The positive controls above removed Victor; he is acme's viewer again for these probes.
    await db
      .insertInto("memberships")
      .values({ user_id: ids.victor!, organization_id: orgs.find((o) => o.slug === "acme")!.id, role: "org_viewer" })
      .onConflict((oc) => oc.columns(["user_id", "organization_id"]).doNothing())
      .execute();
    const scopeOf = (who: "alice" | "bob", slug: string): OrgScope => {
      const o = orgs.find((x) => x.slug === slug)!;
      return {
        kind: "org",
        role: "org_admin",
        user: { id: ids[who]!, email: `${who}@${slug}.test`, name: null },
        org: { id: o.id, slug: o.slug, name: o.name, auth0OrgId: o.auth0_org_id },
      };
    };
    const now = new Date("2026-11-22T00:00:00Z");
    for (const [key, who, slug, fixture] of [
      ["acme", "alice", "acme", "saml-okta-1.xml"],
      ["globex", "bob", "globex", "saml-google-1.xml"],
    ] as const) {
      const r = await submitChange(scopeOf(who, slug), samlSubmission(fixtureText(fixture), now), { now });
      if (!r.ok) throw new Error(r.error);
      changeIds[key] = r.change.id;
    }
    // A change Lena authored herself (support staff may be an organization's member too).
    const lenaChange = await db
      .insertInto("change_requests")
      .values({
        organization_id: orgs.find((o) => o.slug === "acme")!.id,
        protocol: "saml",
        desired: "{}",
        report: "{}",
        verdict: "ok",
        summary: "Lena's own",
        state: "pending_review",
        risk: "medium",
        policy_rule: "review",
        policy_reason: "test",
        author_user_id: ids.lena!,
        author_label: "lena@vendor.test",
        submitted_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    changeIds.lena = String(lenaChange.id);
  });

  const orgProbes = (): Probe[] => [
    { name: "GET the versions page", path: "/orgs/acme/sso/versions" },
    {
      name: "POST restore a version",
      path: "/orgs/acme/sso/versions",
      form: () => ({ intent: "restore", version: "1" }),
    },
    {
      name: "POST withdraw a change",
      path: "/orgs/acme/sso/versions",
      form: () => ({ intent: "withdraw-change", changeId: changeIds.acme! }),
    },
    {
      name: "POST retry a change",
      path: "/orgs/acme/sso/versions",
      form: () => ({ intent: "retry-change", changeId: changeIds.acme! }),
    },
    {
      name: "POST withdraw a change (the SSO page)",
      path: "/orgs/acme/sso",
      form: () => ({ intent: "withdraw-change", changeId: changeIds.acme! }),
    },
  ];

  probeMatrix(ORG_MATRIX, orgProbes, (row, p) => (p.form ? row.post : row.get));

  const reviewProbes = (): Probe[] => [
    { name: "GET the changes queue", path: "/support/changes" },
    { name: "GET a change", path: `/support/changes/${changeIds.acme}` },
    {
      name: "POST approve a change",
      path: `/support/changes/${changeIds.acme}`,
      form: () => ({ intent: "approve", changeId: changeIds.acme! }),
    },
    {
      name: "POST reject a change",
      path: `/support/changes/${changeIds.acme}`,
      form: () => ({ intent: "reject", changeId: changeIds.acme!, reason: "No." }),
    },
    {
      name: "POST retry a change's apply",
      path: `/support/changes/${changeIds.acme}`,
      form: () => ({ intent: "retry", changeId: changeIds.acme! }),
    },
  ];

  const REVIEW_MATRIX: { actor: string | null; get: Expectation; post: Expectation }[] = [
    { actor: null, get: "login", post: 401 },
    { actor: "alice", get: 404, post: 404 },
    { actor: "victor", get: 404, post: 404 },
    { actor: "bob", get: 404, post: 404 },
  ];
  probeMatrix(REVIEW_MATRIX, reviewProbes, (row, p) => (p.form ? row.post : row.get));

  const policyProbes = (): Probe[] => [
    { name: "GET the review policies", path: "/support/policies" },
    {
      name: "POST change the review policies",
      path: "/support/policies",
      form: () => ({
        intent: "policies",
        autoApproveCertificateRotation: "off",
        autoApproveTrustedOrganizations: "on",
        autoApproveRestorePrevious: "on",
      }),
    },
    {
      name: "POST trust an organization",
      path: "/support/policies",
      form: () => ({ intent: "trust", slug: "acme" }),
    },
  ];
  probeMatrix(
    SUPPORT_MATRIX,
    policyProbes,
    // Only a support lead may open the policies, so an agent gets 403 for the page too.
    (row, p) => (row.actor === "sam" ? 403 : p.form ? row.post : row.get),
  );

  it("nobody reviews a change they submitted themselves", async () => {
    await probe(
      "lena",
      {
        name: "Lena approves her own change",
        path: `/support/changes/${changeIds.lena}`,
        form: () => ({ intent: "approve", changeId: changeIds.lena! }),
      },
      403,
    );
  });

  it("an administrator cannot withdraw or see another organization's change through their own page", async () => {
    const before = await snapshot(portal.database.db);
    const res = await call(portal.url, "/orgs/acme/sso/versions", {
      cookie: cookies.alice,
      form: { intent: "withdraw-change", changeId: changeIds.globex! },
    });
    expect(res.status).toBe(404);
    expect(await snapshot(portal.database.db)).toBe(before);
    const page = await call(portal.url, "/orgs/acme/sso/versions", { cookie: cookies.alice });
    expect(page.text).toContain(`Change #${changeIds.acme}`);
    expect(page.text).not.toContain(`Change #${changeIds.globex}`);
  });

  it("the outbox shows each person only their own mail; support sees all", async () => {
    expect((await call(portal.url, "/outbox")).status).toBe(302);
    const bob = await call(portal.url, "/outbox", { cookie: cookies.bob });
    expect(bob.status).toBe(200);
    expect(bob.text).not.toContain(`change #${changeIds.acme}`);
    const sam = await call(portal.url, "/outbox", { cookie: cookies.sam });
    expect(sam.text).toContain(`Review needed: Acme`);
    expect(sam.text).toContain(`change #${changeIds.globex}`);
  });

  it("positive control: a support agent approves; a lead trusts an organization", async () => {
    const db = portal.database.db;
    const res = await call(portal.url, `/support/changes/${changeIds.acme}`, {
      cookie: cookies.sam,
      form: { intent: "approve", changeId: changeIds.acme! },
    });
    expectRedirectBack(res, `/support/changes/${changeIds.acme}`, "approve");
    const row = await db
      .selectFrom("change_requests")
      .select(["state", "reviewer_label"])
      .where("id", "=", changeIds.acme!)
      .executeTakeFirstOrThrow();
    expect(["approved", "applying", "applied"]).toContain(row.state);
    expect(row.reviewer_label).toBe("sam@vendor.test");
    const trust = await call(portal.url, "/support/policies", {
      cookie: cookies.lena,
      form: { intent: "trust", slug: "globex" },
    });
    expectRedirectBack(trust, "/support/policies", "trust");
    expect(await db.selectFrom("trusted_organizations").selectAll().execute()).toHaveLength(1);
  });
});

describe("the demo application (local mode): no portal session, no access to an organization that is not live", () => {
  const demoCookie = (res: Awaited<ReturnType<typeof call>>, name: string) =>
    res.setCookies.find((c) => c.startsWith(`demo_app_${name}=`));

  beforeAll(async () => {
    // The change approved above settles first (the background follower moves it), so the snapshots
    // below see only what the demo application would change.
    await drained(portal.database.db);
    for (let waited = 0; ; waited += 50) {
      const moving = await portal.database.db
        .selectFrom("change_requests")
        .select("id")
        .where("state", "in", ["approved", "applying"])
        .execute();
      if (moving.length === 0) break;
      if (waited > 30_000) throw new Error("a change is still being applied after 30 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    // Globex is live (as go-live leaves it); Acme is not.
    await portal.database.db
      .insertInto("live_events")
      .values({
        organization_id: ids.globexOrg!,
        protocol: "saml",
        action: "go-live",
        version: 1,
        actor_user_id: ids.bob!,
        actor_label: "bob@globex.test",
      })
      .execute();
  });

  it("start: an organization that is not live, or does not exist, gets the same answer and no cookie", async () => {
    const before = await snapshot(portal.database.db);
    for (const [slug, cookie] of [
      ["acme", undefined],
      ["no-such-org", undefined],
      ["acme", cookies.alice],
      ["", cookies.lena],
    ] as const) {
      const res = await call(portal.url, `/demo-app/start?org=${slug}`, { cookie });
      expect(res.status, slug).toBe(302);
      expect(res.location, slug).toBe(
        `/demo-app?error=${encodeURIComponent("That organization has no live single sign-on.")}`,
      );
      expect(res.setCookies, slug).toEqual([]);
    }
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("start: a live organization is sent to its live connection, never the -test one, and nothing is recorded", async () => {
    const before = await snapshot(portal.database.db);
    const res = await call(portal.url, "/demo-app/start?org=globex");
    expect(res.status).toBe(302);
    const url = new URL(res.location!);
    expect(url.pathname).toBe("/authorize");
    expect(url.searchParams.get("connection")).toBe("sso-globex-saml");
    expect(url.searchParams.get("redirect_uri")).toBe(`${portal.url}/demo-app/callback`);
    expect(demoCookie(res, "pending")).toBeDefined();
    expect(res.setCookies.some((c) => c.startsWith("portal_session") || c.startsWith("__Host-portal"))).toBe(false);
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("callback: without the browser's pending sign-in, with a forged state, or a refused code, nobody is signed in", async () => {
    const start = await call(portal.url, "/demo-app/start?org=globex");
    const pending = cookiePair(demoCookie(start, "pending")!);
    const state = new URL(start.location!).searchParams.get("state")!;
    const before = await snapshot(portal.database.db);
    for (const [label, cookie, query, message] of [
      ["no pending sign-in", undefined, `?state=${state}&code=abc`, "This sign-in expired. Start again."],
      [
        "another person's portal session only",
        cookies.bob,
        `?state=${state}&code=abc`,
        "This sign-in expired. Start again.",
      ],
      [
        "a forged state",
        pending,
        `?state=${"x".repeat(43)}&code=abc`,
        "The sign-in answer could not be verified. Start again.",
      ],
      [
        "a code the tenant never issued",
        pending,
        `?state=${state}&code=forged`,
        "The sign-in answer could not be verified. Start again.",
      ],
    ] as const) {
      const res = await call(portal.url, `/demo-app/callback${query}`, { cookie });
      expect(res.status, label).toBe(302);
      expect(res.location, label).toBe(`/demo-app?error=${encodeURIComponent(message)}`);
      expect(demoCookie(res, "user"), label).toBeUndefined();
    }
    expect(await snapshot(portal.database.db)).toBe(before);
    // The demo application's page shows nobody signed in, and no organization's members.
    const page = await call(portal.url, "/demo-app", { cookie: pending });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("You are ");
    for (const s of SECRETS_OF_ACME) expect(page.text).not.toContain(s);
  });
});

describe("tenant isolation: API keys", () => {
  const keys: Record<string, string> = {};
  let globexChange = "";

  beforeAll(async () => {
    const db = portal.database.db;
    const lena: SupportScope = {
      kind: "support",
      user: { id: await userId("lena@vendor.test"), email: "lena@vendor.test", name: null },
      role: "support_admin",
    };
    for (const [name, org] of [
      ["acme", "acme"],
      ["all", null],
    ] as const) {
      const made = await createApiKey(lena, { name: `Isolation ${name}`, organizationSlug: org });
      if (!made.ok) throw new Error(made.error);
      keys[name] = made.key;
    }
    const globex = await db
      .selectFrom("organizations")
      .select(["id", "slug", "name", "auth0_org_id"])
      .where("slug", "=", "globex")
      .executeTakeFirstOrThrow();
    const bob: OrgScope = {
      kind: "org",
      role: "org_admin",
      user: { id: await userId("bob@globex.test"), email: "bob@globex.test", name: null },
      org: { id: globex.id, slug: globex.slug, name: globex.name, auth0OrgId: globex.auth0_org_id },
    };
    const now = new Date("2026-11-22T00:00:00Z");
    const row = await submitChange(bob, samlSubmission(fixtureText("saml-auth0-1.xml"), now), { now });
    if (!row.ok) throw new Error(row.error);
    globexChange = row.change.id;
  });

  const probes = (): [string, string, unknown?][] => [
    ["GET", "/organizations/globex"],
    ["GET", "/organizations/globex/sso"],
    ["GET", "/organizations/globex/versions"],
    ["GET", "/organizations/globex/change-requests"],
    ["GET", `/organizations/globex/change-requests/${globexChange}`],
    // Globex's change through Acme's own path: not Acme's, so not there.
    ["GET", `/organizations/acme/change-requests/${globexChange}`],
    ["POST", "/organizations/globex/change-requests", { idp: "okta", saml: { metadataXml: "<x/>" } }],
    ["POST", "/organizations/globex/suspend"],
    ["POST", "/organizations/globex/resume"],
  ];

  it("a key scoped to Acme gets 404 for everything of Globex's, leaks nothing and changes nothing", async () => {
    // What earlier probes queued finishes first (the apply follower, its mail), so the snapshot holds still.
    await drained(portal.database.db);
    for (let i = 0; i < 100; i++) {
      const moving = await portal.database.db
        .selectFrom("change_requests")
        .select("id")
        .where("state", "in", ["approved", "applying"])
        .execute();
      if (moving.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = await snapshot(portal.database.db);
    for (const [method, path, body] of probes()) {
      const res = await fetch(`${portal.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${keys.acme}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.parse(text)).toEqual({ error: { code: "not_found", message: expect.any(String) } });
      expect(text).not.toMatch(/Globex|globex\.test/);
    }
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("the same reads work with a key for every organization (the probes are real)", async () => {
    for (const [method, path] of probes().filter(([m, p]) => m === "GET" && p.startsWith("/organizations/globex"))) {
      const res = await fetch(`${portal.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${keys.all}` },
      });
      expect(res.status, path).toBe(200);
    }
  });
});
