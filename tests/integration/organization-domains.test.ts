import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgScope, SupportScope } from "~/services/identity/scope.server";
import {
  addDomain,
  checkDomain,
  dnsResolver,
  listDomains,
  removeDomain,
  verifiedDomains,
  verifyDomainByHand,
  type TxtResolver,
} from "~/services/organizations/domains.server";
import { installDatabase } from "~/services/platform/db.server";
import { createUser, support } from "../support/change-fixtures";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * Verified domains against a real DNS server on the wire (tests/support/dns-server.ts) through
 * node's resolver, and the database's unique index: the right record, a wrong one, none, and a
 * domain two organizations both try to claim.
 */
let database: TestDatabase;
let dns: TestDnsServer;
let resolver: TxtResolver;
const scopes: Record<string, OrgScope> = {};
let lead: SupportScope;
let agent: SupportScope;

async function orgScope(slug: string, email: string, role: OrgScope["role"] = "org_admin"): Promise<OrgScope> {
  const db = database.db;
  const org = await db
    .insertInto("organizations")
    .values({ slug, name: slug.toUpperCase(), auth0_org_id: null })
    .onConflict((oc) => oc.column("slug").doUpdateSet({ name: slug.toUpperCase() }))
    .returning(["id", "slug", "name"])
    .executeTakeFirstOrThrow();
  return {
    kind: "org",
    user: await createUser(db, email, null),
    org: { id: org.id, slug: org.slug, name: org.name, auth0OrgId: null },
    role,
  };
}

async function auditActions(organizationId: string): Promise<string[]> {
  const rows = await database.db
    .selectFrom("audit_events")
    .select(["action", "outcome"])
    .where("organization_id", "=", organizationId)
    .orderBy("id")
    .execute();
  return rows.map((r) => `${r.action}:${r.outcome}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  installDatabase(database);
  dns = await startDnsServer();
  resolver = dnsResolver([dns.address]);
  scopes.acme = await orgScope("acme", "alice@acme.test");
  scopes.victor = { ...(await orgScope("acme", "victor@acme.test", "org_viewer")), org: scopes.acme.org };
  scopes.globex = await orgScope("globex", "bob@globex.test");
  lead = support(await createUser(database.db, "lena@vendor.test", null), "support_admin");
  agent = support(await createUser(database.db, "sam@vendor.test", null), "support_agent");
});
afterAll(async () => {
  await dns?.close();
  await database?.destroy();
});

describe("adding and verifying a domain by DNS", () => {
  it("gives a per-domain record to publish, and verifies only when that exact value is there", async () => {
    const added = await addDomain(scopes.acme!, "  Acme.TEST ");
    expect(added.ok).toBe(true);
    if (!added.ok) return;
    const d = added.domain;
    expect(d).toMatchObject({ domain: "acme.test", verified: false, recordName: "_sso-portal-verification.acme.test" });
    expect(d.recordValue).toMatch(/^sso-portal-verification=[A-Za-z0-9_-]{32}$/);

    // No record at all.
    const none = await checkDomain(scopes.acme!, d.id, { resolver });
    expect(none).toEqual({
      ok: false,
      error: expect.stringMatching(/No TXT record was found at _sso-portal-verification\.acme\.test/),
    });
    // A record with another value (another organization's token, a typo).
    dns.txt.set("_sso-portal-verification.acme.test", ["sso-portal-verification=not-this-one", "v=spf1 -all"]);
    const wrong = await checkDomain(scopes.acme!, d.id, { resolver });
    expect(wrong).toEqual({ ok: false, error: expect.stringMatching(/does not hold this domain's value/) });
    const [pending] = await listDomains(scopes.acme!);
    expect(pending).toMatchObject({ verified: false, lastCheckError: expect.stringMatching(/does not hold/) });
    expect(await verifiedDomains(scopes.acme!)).toEqual([]);

    // The right value beside others: verified.
    dns.txt.set("_sso-portal-verification.acme.test", ["v=spf1 -all", d.recordValue]);
    const right = await checkDomain(scopes.acme!, d.id, { resolver });
    expect(right).toMatchObject({ ok: true, domain: { verified: true, method: "dns", verifiedBy: "alice@acme.test" } });
    expect(await verifiedDomains(scopes.acme!)).toEqual(["acme.test"]);
    expect(dns.queries.filter((q) => q === "TXT _sso-portal-verification.acme.test")).toHaveLength(3);
    expect(await auditActions(scopes.acme!.org.id)).toEqual([
      "domain.added:success",
      "domain.check_failed:failure",
      "domain.check_failed:failure",
      "domain.verified:success",
    ]);
  });

  it("refuses the same domain twice and bad input, with a message saying what to do", async () => {
    expect(await addDomain(scopes.acme!, "acme.test")).toEqual({
      ok: false,
      error: "acme.test is already on this organization's list.",
    });
    expect(await addDomain(scopes.acme!, "jane@acme.test")).toMatchObject({ ok: false, error: /not an e-mail/ });
  });
});

describe("a domain two organizations claim", () => {
  it("cannot be added by another organization once verified", async () => {
    const res = await addDomain(scopes.globex!, "acme.test");
    expect(res).toEqual({ ok: false, error: expect.stringMatching(/Another organization has already verified/) });
    expect(await listDomains(scopes.globex!)).toEqual([]);
  });

  it("goes to whoever proves it first: the second proof is refused even with its own record published", async () => {
    const a = await addDomain(scopes.acme!, "shared.test");
    const g = await addDomain(scopes.globex!, "shared.test");
    if (!a.ok || !g.ok) throw new Error("both may add a pending domain");
    dns.txt.set("_sso-portal-verification.shared.test", [a.domain.recordValue, g.domain.recordValue]);
    expect(await checkDomain(scopes.globex!, g.domain.id, { resolver })).toMatchObject({ ok: true });
    const second = await checkDomain(scopes.acme!, a.domain.id, { resolver });
    expect(second).toEqual({ ok: false, error: expect.stringMatching(/Another organization has already verified/) });
    expect(await verifiedDomains(scopes.acme!)).toEqual(["acme.test"]);
    expect(await verifiedDomains(scopes.globex!)).toEqual(["shared.test"]);
  });

  it("a support lead's verification by hand is refused for a domain verified elsewhere too", async () => {
    const [pending] = (await listDomains(scopes.acme!)).filter((d) => d.domain === "shared.test");
    const res = await verifyDomainByHand(lead, scopes.acme!.org.id, pending!.id, "Customer sent a signed letter.");
    expect(res).toMatchObject({ ok: false, error: /Another organization/ });
  });
});

describe("another organization's ids, roles and support", () => {
  it("an administrator cannot check or remove another organization's domain", async () => {
    const [theirs] = await listDomains(scopes.globex!);
    expect(await checkDomain(scopes.acme!, theirs!.id, { resolver })).toBeNull();
    expect(await removeDomain(scopes.acme!, theirs!.id)).toBe(false);
    expect(await verifiedDomains(scopes.globex!)).toEqual(["shared.test"]);
  });

  it("a viewer sees the list but cannot add, check or remove", async () => {
    expect((await listDomains(scopes.victor!)).map((d) => d.domain)).toContain("acme.test");
    await expect(addDomain(scopes.victor!, "victor.test")).rejects.toMatchObject({ status: 403 });
    const [d] = await listDomains(scopes.victor!);
    await expect(removeDomain(scopes.victor!, d!.id)).rejects.toMatchObject({ status: 403 });
  });

  it("a support lead verifies by hand with a reason (audited); an agent may not; no reason is refused", async () => {
    const added = await addDomain(scopes.globex!, "globex.test");
    if (!added.ok) throw new Error(added.error);
    await expect(
      verifyDomainByHand(agent, scopes.globex!.org.id, added.domain.id, "Because I say so"),
    ).rejects.toMatchObject({ status: 403 });
    expect(await verifyDomainByHand(lead, scopes.globex!.org.id, added.domain.id, "  ")).toMatchObject({
      ok: false,
      error: /Say in 5–500 characters/,
    });
    // The id belongs to Globex: naming Acme finds nothing.
    expect(await verifyDomainByHand(lead, scopes.acme!.org.id, added.domain.id, "Ticket 4711")).toBeNull();
    const res = await verifyDomainByHand(lead, scopes.globex!.org.id, added.domain.id, "Ticket 4711: WHOIS matches");
    expect(res).toMatchObject({
      ok: true,
      domain: { verified: true, method: "manual", verifiedBy: "lena@vendor.test" },
    });
    expect(await verifiedDomains(scopes.globex!)).toEqual(["globex.test", "shared.test"]);
    const row = await database.db
      .selectFrom("audit_events")
      .select(["actor_label", "details"])
      .where("action", "=", "domain.verified")
      .where("target", "=", "globex.test")
      .executeTakeFirstOrThrow();
    expect(row.actor_label).toBe("lena@vendor.test");
    expect(row.details).toMatchObject({ method: "manual", reason: "Ticket 4711: WHOIS matches" });
  });

  it("removing a verified domain frees it for another organization", async () => {
    const [shared] = (await listDomains(scopes.globex!)).filter((d) => d.domain === "shared.test");
    expect(await removeDomain(scopes.globex!, shared!.id)).toBe(true);
    const [pending] = (await listDomains(scopes.acme!)).filter((d) => d.domain === "shared.test");
    expect(await checkDomain(scopes.acme!, pending!.id, { resolver })).toMatchObject({ ok: true });
    expect(await verifiedDomains(scopes.acme!)).toEqual(["acme.test", "shared.test"]);
  });
});
