import { ConnectionsClient } from "auth0/connections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Auth0Gateway, OWNER_KEY, STAGE_KEY, VERSION_KEY } from "~/services/auth0/gateway.server";
import { InvalidOptionsError, NotOwnedError } from "~/services/auth0/errors";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import { createOrganizations, samlOptions, systemScope, tenantConfigOf } from "../support/apply-fixtures.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

let h: Harness;
let database: TestDatabase;
let gateway: Auth0Gateway;
let acme: ScopedOrganization;
let globex: ScopedOrganization;
let raw: ConnectionsClient;
let tokenRequests = 0;

beforeAll(async () => {
  h = await startHarness({ rateLimit: "off" });
  database = await createTestDatabase();
  const orgs = await createOrganizations(database.db, h, ["acme", "globex"]);
  acme = orgs[0]!;
  globex = orgs[1]!;
  const counting: typeof fetch = (input, init) => {
    if (String(input).endsWith("/oauth/token")) tokenRequests++;
    return h.fetch(input, init);
  };
  gateway = new Auth0Gateway({ tenant: tenantConfigOf(h.tenant), prefix: "sso", db: database.db, fetch: counting });
  raw = new ConnectionsClient(h.clientOptions(await h.token()));
});
afterAll(async () => {
  await database?.destroy();
  await h?.close();
});

async function refusals(orgId: string) {
  return database.db
    .selectFrom("audit_events")
    .selectAll()
    .where("organization_id", "=", orgId)
    .where("action", "=", "connection.refused")
    .execute();
}

describe(`Auth0 gateway (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("creates the organization's connection with a derived name and ownership metadata", async () => {
    const scope = systemScope(acme);
    const r = await gateway.upsertConnection(scope, {
      protocol: "saml",
      strategy: "samlp",
      version: 1,
      displayName: "Acme SSO",
      options: samlOptions("acme", 1),
    });
    expect(r.outcome).toBe("created");
    const stored = await raw.get(r.connection.id);
    expect(stored.name).toBe("sso-acme-saml");
    expect(stored.metadata).toEqual({ [OWNER_KEY]: acme.id, [VERSION_KEY]: "1", [STAGE_KEY]: "live" });
    expect(stored.display_name).toBe("Acme SSO");
  });

  it("updates by read–merge–write: keeps options the portal does not manage, re-sends display_name", async () => {
    const scope = systemScope(acme);
    const found = (await gateway.findConnectionByName("sso-acme-saml"))!;
    // Someone sets an option by hand (full options, as Auth0 requires) and a metadata key.
    await raw.update(found.id, {
      display_name: "Acme SSO",
      options: { ...found.options, debug: true, upstream_params: { screen_hint: { value: "x" } } },
      metadata: { ...found.metadata, note: "kept" },
    });
    const r = await gateway.upsertConnection(scope, {
      protocol: "saml",
      strategy: "samlp",
      version: 2,
      displayName: "Acme single sign-on",
      options: samlOptions("acme", 2),
      managedOptionKeys: ["signInEndpoint", "signOutEndpoint", "signSAMLRequest", "domain_aliases", "fieldsMap"],
    });
    expect(r.outcome).toBe("updated");
    const stored = await raw.get(found.id);
    expect(stored.options).toMatchObject({
      ...samlOptions("acme", 2),
      debug: true,
      upstream_params: { screen_hint: { value: "x" } },
    });
    expect(stored.display_name).toBe("Acme single sign-on");
    expect(stored.metadata).toEqual({ [OWNER_KEY]: acme.id, [VERSION_KEY]: "2", [STAGE_KEY]: "live", note: "kept" });
    // Its PATCH carried display_name and the whole options object.
    const patch = h.exchanges.filter((e) => e.method === "PATCH" && e.path === `/connections/${found.id}`).at(-1)!;
    expect(patch.requestBody).toMatchObject({ display_name: "Acme single sign-on", options: { debug: true } });
  });

  it("never goes back to an older version, and does not write when nothing changed", async () => {
    const scope = systemScope(acme);
    const before = h.exchanges.length;
    const older = await gateway.upsertConnection(scope, {
      protocol: "saml",
      strategy: "samlp",
      version: 1,
      displayName: "Old",
      options: samlOptions("acme", 1),
    });
    expect(older.outcome).toBe("newer-exists");
    const same = await gateway.upsertConnection(scope, {
      protocol: "saml",
      strategy: "samlp",
      version: 2,
      displayName: "Acme single sign-on",
      options: samlOptions("acme", 2),
    });
    expect(same.outcome).toBe("unchanged");
    expect(h.exchanges.slice(before).filter((e) => e.method !== "GET")).toEqual([]);
  });

  it("enables the connection for applications (a delta) and for the Auth0 organization, idempotently", async () => {
    const scope = systemScope(acme);
    const found = (await gateway.findConnectionByName("sso-acme-saml"))!;
    const owned = await gateway.readOwnedConnection(scope, found.id, "enable");
    await gateway.setClients(scope, owned, [PORTAL_CLIENT_ID]);
    await gateway.setClients(scope, owned, [TEST_LOGIN_CLIENT_ID, TEST_LOGIN_CLIENT_ID]);
    expect((await gateway.enabledClients(scope, owned)).sort()).toEqual(
      [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID].sort(),
    );
    expect(
      await gateway.enableForOrganization(scope, owned, { assignMembershipOnLogin: true, showAsButton: true }),
    ).toBe("added");
    expect(
      await gateway.enableForOrganization(scope, owned, { assignMembershipOnLogin: false, showAsButton: true }),
    ).toBe("updated");
    const orgConn = await h.management().organizations.enabledConnections.get(acme.auth0OrgId!, owned.id);
    expect(orgConn.assign_membership_on_login).toBe(false);
  });

  it("refuses, and audits, any change to a connection owned by another organization", async () => {
    const found = (await gateway.findConnectionByName("sso-acme-saml"))!;
    const scope = systemScope(globex);
    await expect(gateway.readOwnedConnection(scope, found.id, "delete")).rejects.toBeInstanceOf(NotOwnedError);
    const audited = await refusals(globex.id);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ outcome: "denied", target: found.id, actor_label: "apply-worker" });
    expect(audited[0]!.details).toMatchObject({ operation: "delete", reason: "owned by another organization" });
    // Still there, untouched.
    expect((await raw.get(found.id)).metadata).toMatchObject({ [OWNER_KEY]: acme.id });
  });

  it("never adopts an unowned connection that already has the organization's name", async () => {
    await raw.create({ name: "sso-globex-oidc", strategy: "oidc", options: { client_id: "by-hand" } });
    const scope = systemScope(globex);
    const attempt = gateway.upsertConnection(scope, {
      protocol: "oidc",
      strategy: "oidc",
      version: 1,
      displayName: "Globex",
      options: { client_id: "portal" },
    });
    await expect(attempt).rejects.toThrow(/already exists and was not created by this portal/);
    const stored = (await gateway.findConnectionByName("sso-globex-oidc"))!;
    expect(stored.options).toEqual({ client_id: "by-hand" });
    expect(stored.metadata ?? {}).not.toHaveProperty(OWNER_KEY);
    expect((await refusals(globex.id)).map((e) => e.details)).toContainEqual(
      expect.objectContaining({ operation: "update", reason: "not managed by the portal" }),
    );
  });

  it("maps Auth0's payload errors to InvalidOptionsError naming the field", async () => {
    const scope = systemScope(globex);
    const err = await gateway
      .upsertConnection(scope, {
        protocol: "saml",
        strategy: "samlp",
        version: 1,
        displayName: "x".repeat(200),
        options: {},
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect((err as InvalidOptionsError).field).toBe("display_name");
  });

  it("disables and deletes only its own connection", async () => {
    const scope = systemScope(acme);
    const found = (await gateway.findConnectionByName("sso-acme-saml"))!;
    const owned = await gateway.readOwnedConnection(scope, found.id, "delete");
    await gateway.disableConnection(scope, owned, [PORTAL_CLIENT_ID]);
    expect(await gateway.enabledClients(scope, owned)).toEqual([TEST_LOGIN_CLIENT_ID]);
    const orgConns = await h.management().organizations.enabledConnections.list(acme.auth0OrgId!);
    expect(orgConns.data).toEqual([]);
    await gateway.deleteConnection(scope, owned);
    expect(await gateway.findConnectionByName("sso-acme-saml")).toBeNull();
  });

  it("fetched one Management API token and reused it for every call", () => {
    expect(h.exchanges.length).toBeGreaterThan(20);
    expect(tokenRequests).toBe(1);
    expect(h.violations()).toEqual([]);
  });
});
