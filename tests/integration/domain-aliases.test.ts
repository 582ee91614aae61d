import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import type { OrgScope, SupportScope } from "~/services/identity/scope.server";
import {
  addDomain,
  checkDomain,
  removeDomain,
  verifyDomainByHand,
  type TxtResolver,
} from "~/services/organizations/domains.server";
import { installDatabase } from "~/services/platform/db.server";
import { TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import { createOrganizations, domainAliasesOf, runQueue, samlOptions, systemScope } from "../support/apply-fixtures.js";
import { createUser, support } from "../support/change-fixtures.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/**
 * Only verified domains reach the organization's connections (`domain_aliases`, home-realm
 * discovery), through the real apply engine against the local tenant: an apply writes the verified
 * set whatever its options said, and a domain verified or removed later updates the live and the
 * staged connection through a "domain-aliases" job.
 */
let h: Harness;
let database: TestDatabase;
let alice: OrgScope;
let lena: SupportScope;
const records = new Map<string, string[]>();
const resolver: TxtResolver = {
  resolveTxt: async (name) => {
    const found = records.get(name);
    if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return found.map((r) => [r]);
  },
};

async function jobKinds(): Promise<string[]> {
  const rows = await database.db
    .selectFrom("apply_jobs")
    .select(["kind", "status"])
    .where("organization_id", "=", alice.org.id)
    .orderBy("id")
    .execute();
  return rows.map((r) => `${r.kind}:${r.status}`);
}

beforeAll(async () => {
  h = await startHarness({ rateLimit: "off" });
  database = await createTestDatabase();
  installDatabase(database);
  const [acme] = await createOrganizations(database.db, h, ["acme"]);
  alice = { kind: "org", user: await createUser(database.db, "alice@acme.test", null), org: acme!, role: "org_admin" };
  lena = support(await createUser(database.db, "lena@vendor.test", null), "support_admin");
});
afterAll(async () => {
  await database?.destroy();
  await h?.close();
});

describe("domain_aliases hold verified domains only", () => {
  let pendingId = "";
  let verifiedId = "";

  it("an apply writes the verified set, not a pending domain nor what the options carried", async () => {
    const pending = await addDomain(alice, "acme.test");
    const second = await addDomain(alice, "acme-corp.test");
    if (!pending.ok || !second.ok) throw new Error("add failed");
    pendingId = pending.domain.id;
    verifiedId = second.domain.id;
    records.set("_sso-portal-verification.acme-corp.test", [second.domain.recordValue]);
    expect(await checkDomain(alice, verifiedId, { resolver })).toMatchObject({ ok: true });
    for (const stage of ["live", "test"] as const) {
      await enqueueApply(database.db, systemScope(alice.org), {
        connection: {
          protocol: "saml",
          stage,
          strategy: "samlp",
          version: 1,
          displayName: "Acme",
          // The fixture's options name acme.test, which is not verified: it must not reach Auth0.
          options: samlOptions("acme", 1),
        },
        enabledClients: [TEST_LOGIN_CLIENT_ID],
        aliasVerifiedDomains: true,
      });
    }
    await runQueue(h, database.db);
    expect(domainAliasesOf(h, "sso-acme-saml")).toEqual(["acme-corp.test"]);
    expect(domainAliasesOf(h, "sso-acme-saml-test")).toEqual(["acme-corp.test"]);
  });

  it("a domain verified later reaches both connections through a domain-aliases job", async () => {
    expect(await verifyDomainByHand(lena, alice.org.id, pendingId, "Ticket 42: registrar letter")).toMatchObject({
      ok: true,
    });
    // Queued with the verification, applied by the engine: not yet in Auth0.
    expect(domainAliasesOf(h, "sso-acme-saml")).toEqual(["acme-corp.test"]);
    expect((await jobKinds()).filter((k) => k.startsWith("domain-aliases"))).toEqual([
      "domain-aliases:succeeded", // the DNS verification before any connection existed: nothing to do
      "domain-aliases:queued",
    ]);
    await runQueue(h, database.db);
    expect(domainAliasesOf(h, "sso-acme-saml")).toEqual(["acme-corp.test", "acme.test"]);
    expect(domainAliasesOf(h, "sso-acme-saml-test")).toEqual(["acme-corp.test", "acme.test"]);
    // Every other option and the version stay as they were.
    const live = h.tenant.context.store.state.connections.find((c) => c.name === "sso-acme-saml")!;
    expect(live.options).toMatchObject({ signInEndpoint: "https://idp.acme.test/sso/v1" });
    expect(live.metadata).toMatchObject({ portal_version: "1" });
  });

  it("removing a verified domain takes it out; removing the last removes the key", async () => {
    expect(await removeDomain(alice, pendingId)).toBe(true);
    await runQueue(h, database.db);
    expect(domainAliasesOf(h, "sso-acme-saml")).toEqual(["acme-corp.test"]);
    expect(await removeDomain(alice, verifiedId)).toBe(true);
    await runQueue(h, database.db);
    expect(domainAliasesOf(h, "sso-acme-saml")).toBeUndefined();
    expect(domainAliasesOf(h, "sso-acme-saml-test")).toBeUndefined();
    expect((await jobKinds()).every((k) => k.endsWith(":succeeded"))).toBe(true);
  });

  it("removing a domain never verified queues nothing", async () => {
    const added = await addDomain(alice, "pending.test");
    if (!added.ok) throw new Error(added.error);
    const before = (await jobKinds()).length;
    expect(await removeDomain(alice, added.domain.id)).toBe(true);
    expect(await jobKinds()).toHaveLength(before);
  });
});
