import { Management, type ManagementError } from "auth0";
import { ClientsClient } from "auth0/clients";
import { ConnectionsClient } from "auth0/connections";
import { OrganizationsClient } from "auth0/organizations";
import { EnabledConnectionsClient } from "auth0/organizations/enabledConnections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_CONNECTION_ID, MGMT_CLIENT_ID, PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { auth0ErrorBody, managementFailure, startHarness, type Harness } from "../support/local-tenant-contract.js";

const messageOf = (err: ManagementError) => (err.body as { message: string }).message;

let h: Harness;
let orgs: OrganizationsClient;
let orgConnections: EnabledConnectionsClient;
let connections: ConnectionsClient;
let clients: ClientsClient;

beforeAll(async () => {
  h = await startHarness();
  const opts = h.clientOptions(await h.token());
  orgs = new OrganizationsClient(opts);
  orgConnections = new EnabledConnectionsClient(opts);
  connections = new ConnectionsClient(opts);
  clients = new ClientsClient(opts);
});
afterAll(async () => {
  await h?.close();
});

describe("organizations", () => {
  it("creates an organization with an org_ id and reads it back", async () => {
    const { data, rawResponse } = await orgs
      .create({
        name: "acme",
        display_name: "Acme Corp",
        metadata: { tier: "gold" },
        branding: { colors: { primary: "#112233", page_background: "#fff" } },
      })
      .withRawResponse();
    expect(rawResponse.status).toBe(201);
    expect(data.id).toMatch(/^org_[A-Za-z0-9]{16}$/);
    expect(await orgs.get(data.id!)).toEqual({
      id: data.id,
      name: "acme",
      display_name: "Acme Corp",
      metadata: { tier: "gold" },
      branding: { colors: { primary: "#112233", page_background: "#fff" } },
    });
  });

  it("refuses duplicate names, invalid names and unknown properties; 404s unknown ids", async () => {
    await orgs.create({ name: "dupe-org" });
    const dupe = await managementFailure(orgs.create({ name: "dupe-org" }));
    expect(dupe).toBeInstanceOf(Management.ConflictError);
    expect(messageOf(dupe)).toBe("An organization with this name already exists.");
    const upper = await managementFailure(orgs.create({ name: "Acme Corp" }));
    expect(upper.statusCode).toBe(400);
    expect(messageOf(upper)).toBe(
      "Payload validation error: 'Object didn't pass validation for format organization-name: Acme Corp' on property name.",
    );
    const extra = await managementFailure(orgs.create({ name: "extra", colour: "red" } as never));
    expect(messageOf(extra)).toBe("Payload validation error: 'Additional properties not allowed: colour'.");
    const missing = await managementFailure(orgs.get("org_DoesNotExist0000"));
    expect(missing.body).toMatchObject({ statusCode: 404, message: "The organization does not exist." });
  });

  it("pages through organizations with the SDK's checkpoint iteration", async () => {
    for (let i = 0; i < 6; i++) await orgs.create({ name: `paged-${i}` });
    const names: string[] = [];
    for await (const o of await orgs.list({ take: 4 })) names.push(o.name!);
    expect(names.sort()).toEqual(h.tenant.context.store.state.organizations.map((o) => o.name).sort());
  });

  it("answers offset pages with totals and a bare array without", async () => {
    const token = await h.token();
    const get = async (q: string) =>
      (
        await h.fetch(`${h.tenant.managementApiUrl}/organizations${q}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json();
    const total = h.tenant.context.store.state.organizations.length;
    expect(await get("?include_totals=true&page=0&per_page=2")).toMatchObject({ start: 0, limit: 2, total });
    expect(await get("?page=0&per_page=2")).toHaveLength(2);
    const sorted = (await get("?sort=name:-1&per_page=100")) as { name: string }[];
    expect(sorted.map((o) => o.name)).toEqual([...sorted.map((o) => o.name)].sort().reverse());
  });

  it("answers 403 with the organization endpoints' wording of insufficient scope", async () => {
    const readOnly = h.management(h.machineClient(["read:organizations"]));
    const err = await managementFailure(readOnly.organizations.create({ name: "nope" }));
    expect(err.body).toEqual(
      auth0ErrorBody(
        403,
        "Forbidden",
        "Insufficient scope; expected any of: create:organizations.",
        "insufficient_scope",
      ),
    );
  });
});

describe("organization enabled connections", () => {
  it("adds, lists, reads, updates and removes a connection of an organization", async () => {
    const org = await orgs.create({ name: "globex" });
    const conn = await connections.create({ name: "globex-saml", strategy: "samlp" });
    const added = await orgConnections
      .add(org.id!, { connection_id: conn.id!, assign_membership_on_login: true })
      .withRawResponse();
    expect(added.rawResponse.status).toBe(201);
    expect(added.data).toEqual({
      connection_id: conn.id,
      assign_membership_on_login: true,
      show_as_button: true,
      is_signup_enabled: false,
      connection: { name: "globex-saml", strategy: "samlp" },
    });
    await orgConnections.add(org.id!, { connection_id: DATABASE_CONNECTION_ID, is_signup_enabled: true });
    const listed: string[] = [];
    for await (const c of await orgConnections.list(org.id!, { per_page: 1 })) listed.push(c.connection_id!);
    expect(listed.sort()).toEqual([conn.id!, DATABASE_CONNECTION_ID].sort());

    const patched = await orgConnections.update(org.id!, conn.id!, { show_as_button: false });
    expect(patched).toMatchObject({ show_as_button: false, assign_membership_on_login: true });
    expect(await orgConnections.get(org.id!, conn.id!)).toEqual(patched);

    const del = await orgConnections.delete(org.id!, conn.id!).withRawResponse();
    expect(del.rawResponse.status).toBe(204);
    const gone = await managementFailure(orgConnections.get(org.id!, conn.id!));
    expect(gone.statusCode).toBe(404);
    expect(messageOf(gone)).toBe("The organization connection does not exist.");
    // Removing it from the organization leaves the connection itself in the tenant.
    expect((await connections.get(conn.id!)).name).toBe("globex-saml");
  });

  it("answers offset pages with totals and a bare array without", async () => {
    const org = await orgs.create({ name: "shapes", enabled_connections: [{ connection_id: DATABASE_CONNECTION_ID }] });
    const token = await h.token();
    const get = async (q: string) =>
      (
        await h.fetch(`${h.tenant.managementApiUrl}/organizations/${org.id}/enabled_connections${q}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json();
    expect(await get("?include_totals=true&page=0&per_page=10")).toMatchObject({ start: 0, limit: 10, total: 1 });
    expect(await get("")).toHaveLength(1);
  });

  it("refuses duplicates, unknown connections, unknown organizations and unknown properties", async () => {
    const org = await orgs.create({ name: "initech" });
    await orgConnections.add(org.id!, { connection_id: DATABASE_CONNECTION_ID });
    const dupe = await managementFailure(orgConnections.add(org.id!, { connection_id: DATABASE_CONNECTION_ID }));
    expect(dupe).toBeInstanceOf(Management.ConflictError);
    const unknownConn = await managementFailure(orgConnections.add(org.id!, { connection_id: "con_DoesNotExist0000" }));
    expect(unknownConn.statusCode).toBe(404);
    const unknownOrg = await managementFailure(orgConnections.list("org_DoesNotExist0000"));
    expect(messageOf(unknownOrg)).toBe("The organization does not exist.");
    const extra = await managementFailure(
      orgConnections.update(org.id!, DATABASE_CONNECTION_ID, { signupEnabled: true } as never),
    );
    expect(messageOf(extra)).toBe("Payload validation error: 'Additional properties not allowed: signupEnabled'.");
  });

  it("drops a deleted connection from every organization", async () => {
    const org = await orgs.create({ name: "umbrella" });
    const conn = await connections.create({ name: "umbrella-oidc", strategy: "oidc" });
    await orgConnections.add(org.id!, { connection_id: conn.id! });
    await connections.delete(conn.id!);
    const left = await orgConnections.list(org.id!);
    expect(left.data.map((c) => c.connection_id)).not.toContain(conn.id);
  });
});

describe("clients", () => {
  it("lists every client with the SDK's offset iteration, secrets included with read:client_keys", async () => {
    const ids: string[] = [];
    for await (const c of await clients.list({ per_page: 2 })) {
      ids.push(c.client_id!);
      expect(c.client_secret).toEqual(expect.any(String));
    }
    expect(ids.sort()).toEqual(h.tenant.context.store.state.clients.map((c) => c.client_id).sort());
  });

  it("pages clients by checkpoint too", async () => {
    const token = await h.token();
    const seen: string[] = [];
    let from: string | undefined;
    for (let guard = 0; guard < 20; guard++) {
      const q = new URLSearchParams({ take: "2", ...(from ? { from } : {}) });
      const res = await h.fetch(`${h.tenant.managementApiUrl}/clients?${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as { clients: { client_id: string }[]; next?: string };
      seen.push(...body.clients.map((c) => c.client_id));
      if (!body.next) break;
      from = body.next;
    }
    expect(seen.sort()).toEqual(h.tenant.context.store.state.clients.map((c) => c.client_id).sort());
  });

  it("leaves secrets out for a token with read:clients only and 404s unknown clients", async () => {
    const reader = h.management(h.machineClient(["read:clients"]));
    const portal = await reader.clients.get(PORTAL_CLIENT_ID);
    expect(portal).toMatchObject({ client_id: PORTAL_CLIENT_ID, name: "SSO Portal", app_type: "regular_web" });
    expect(portal).not.toHaveProperty("client_secret");
    const listed = await reader.clients.list({ app_type: "non_interactive" });
    expect(listed.data.map((c) => c.client_id)).toContain(MGMT_CLIENT_ID);
    expect(listed.data.every((c) => c.client_secret === undefined)).toBe(true);
    const missing = await managementFailure(reader.clients.get("nope"));
    expect(missing.body).toMatchObject({ statusCode: 404, message: "Client not found." });
    const none = h.management(h.machineClient(["read:connections"]));
    const forbidden = await managementFailure(none.clients.get(PORTAL_CLIENT_ID));
    expect(messageOf(forbidden)).toBe(
      "Insufficient scope; expected any of: read:clients, read:client_keys, read:client_credentials, read:client_summary.",
    );
  });
});

describe("organizations and clients: contract", () => {
  it("every recorded exchange matches Auth0's OpenAPI document", () => {
    expect(h.exchanges.length).toBeGreaterThan(30);
    expect(h.violations()).toEqual([]);
  });
});
