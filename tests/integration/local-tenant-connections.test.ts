import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Management } from "auth0";
import { ConnectionsClient } from "auth0/connections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import { auth0ErrorBody, managementFailure, startHarness, type Harness } from "../support/local-tenant-contract.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/saml-metadata/${name}`, import.meta.url), "utf8");
const OKTA_XML = fixture("saml-okta-1.xml");
const KEYCLOAK_XML = fixture("saml-keycloak-1.xml");

function certOf(xml: string): string {
  return /<(?:ds:)?X509Certificate>([\s\S]*?)<\/(?:ds:)?X509Certificate>/.exec(xml)![1]!.replace(/\s+/g, "");
}

let h: Harness;
let connections: ConnectionsClient;
let metadataServer: Server;
let metadataUrl: string;

beforeAll(async () => {
  h = await startHarness();
  connections = new ConnectionsClient(h.clientOptions(await h.token()));
  metadataServer = createServer((req, res) => {
    if (req.url === "/okta.xml") res.writeHead(200, { "content-type": "application/samlmetadata+xml" }).end(OKTA_XML);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => metadataServer.listen(0, "127.0.0.1", r));
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await h?.close();
  await new Promise((r) => metadataServer?.close(r));
});

describe("connections: create, read, delete", () => {
  it("creates a connection with Auth0's defaults and reads it back", async () => {
    const created = await connections.create({
      name: "acme-oidc",
      strategy: "oidc",
      options: { client_id: "abc", discovery_url: "https://idp.acme.test/.well-known/openid-configuration" },
    });
    expect(created.id).toMatch(/^con_[A-Za-z0-9]{16}$/);
    expect(created).toMatchObject({
      name: "acme-oidc",
      display_name: "acme-oidc",
      strategy: "oidc",
      realms: ["acme-oidc"],
      is_domain_connection: false,
      show_as_button: false,
      options: { client_id: "abc" },
    });
    const read = await connections.get(created.id!);
    expect(read).toEqual(created);
    await connections.delete(created.id!);
    const gone = await managementFailure(connections.get(created.id!));
    expect(gone).toBeInstanceOf(Management.NotFoundError);
    expect(gone.body).toEqual(
      auth0ErrorBody(404, "Not Found", "The connection does not exist.", "inexistent_connection"),
    );
  });

  it("answers 201 on create and 204 on delete, including for an id that is already gone", async () => {
    const { rawResponse, data } = await connections
      .create({ name: "status-codes", strategy: "samlp" })
      .withRawResponse();
    expect(rawResponse.status).toBe(201);
    const del = await connections.delete(data.id!).withRawResponse();
    expect(del.rawResponse.status).toBe(204);
    expect((await connections.delete(data.id!).withRawResponse()).rawResponse.status).toBe(204);
  });

  it.each([
    ["with an underscore", "acme_saml"],
    ["with two hyphens in a row", "acme--saml"],
    ["ending with a hyphen", "acme-"],
    ["with a space", "acme saml"],
    ["longer than 128 characters", "a".repeat(129)],
  ])("refuses a name %s with Auth0's payload validation error", async (_why, name) => {
    const err = await managementFailure(connections.create({ name, strategy: "samlp" }));
    expect(err).toBeInstanceOf(Management.BadRequestError);
    expect(err.body).toMatchObject({ statusCode: 400, error: "Bad Request", errorCode: "invalid_body" });
    expect((err.body as { message: string }).message).toMatch(/^Payload validation error: '.*' on property name\.$/);
  });

  it("accepts a 128-character name", async () => {
    const created = await connections.create({ name: "a".repeat(128), strategy: "oidc" });
    expect(created.name).toHaveLength(128);
    await connections.delete(created.id!);
  });

  it("refuses an unknown strategy and unknown properties", async () => {
    const bad = await managementFailure(connections.create({ name: "x1", strategy: "auth0-adldap" as never }));
    expect((bad.body as { message: string }).message).toBe(
      "Payload validation error: 'Invalid value \"auth0-adldap\"' on property strategy.",
    );
    const extra = await managementFailure(connections.create({ name: "x2", strategy: "oidc", colour: "red" } as never));
    expect((extra.body as { message: string }).message).toBe(
      "Payload validation error: 'Additional properties not allowed: colour'.",
    );
    const missing = await managementFailure(connections.create({ name: "x3" } as never));
    expect((missing.body as { message: string }).message).toBe(
      "Payload validation error: 'Missing required property: strategy'.",
    );
  });

  it("answers 409 connection_conflict for a duplicate name", async () => {
    await connections.create({ name: "dupe", strategy: "samlp" });
    const err = await managementFailure(connections.create({ name: "dupe", strategy: "oidc" }));
    expect(err).toBeInstanceOf(Management.ConflictError);
    expect(err.body).toEqual(
      auth0ErrorBody(409, "Conflict", "A connection with the same name already exists", "connection_conflict"),
    );
  });

  it("limits metadata to 10 keys of strings up to 255 characters", async () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"]));
    const tooMany = await managementFailure(
      connections.create({ name: "meta-many", strategy: "samlp", metadata: eleven }),
    );
    expect((tooMany.body as { message: string }).message).toBe(
      "Payload validation error: 'Too many properties defined (11), maximum 10' on property metadata.",
    );
    const tooLong = await managementFailure(
      connections.create({ name: "meta-long", strategy: "samlp", metadata: { org: "x".repeat(256) } }),
    );
    expect((tooLong.body as { message: string }).message).toBe(
      "Payload validation error: 'String is too long (256 chars), maximum 255' on property metadata.org.",
    );
    const notString = await managementFailure(
      connections.create({ name: "meta-num", strategy: "samlp", metadata: { org: 5 as never } }),
    );
    expect((notString.body as { message: string }).message).toBe(
      "Payload validation error: 'Expected type string but found type integer' on property metadata.org.",
    );
    const ok = await connections.create({
      name: "meta-ok",
      strategy: "samlp",
      metadata: { org: "org_123", owner: "x".repeat(255) },
    });
    expect(ok.metadata).toEqual({ org: "org_123", owner: "x".repeat(255) });
  });

  it("caps bodies at 1 MB with a 413", async () => {
    const err = await managementFailure(
      connections.create({ name: "huge", strategy: "samlp", options: { metadataXml: "x".repeat(1024 * 1024 + 10) } }),
    );
    expect(err.statusCode).toBe(413);
    expect(err.body).toMatchObject({ statusCode: 413, error: "Payload Too Large" });
  });
});

describe("connections: PATCH semantics", () => {
  it("replaces the whole options object and resets an omitted display_name to the name", async () => {
    const created = await connections.create({
      name: "replace-me",
      display_name: "Replace Me Inc.",
      strategy: "oidc",
      options: { client_id: "abc", client_secret: "s", scope: "openid profile" },
    });
    const updated = await connections.update(created.id!, { options: { client_id: "def" } });
    expect(updated.options).toEqual({ client_id: "def" });
    expect(updated.display_name).toBe("replace-me");
    expect((await connections.get(created.id!)).options).toEqual({ client_id: "def" });

    const renamed = await connections.update(created.id!, { display_name: "Kept", show_as_button: true });
    expect(renamed).toMatchObject({ display_name: "Kept", show_as_button: true, options: { client_id: "def" } });
  });

  it("refuses name, strategy, enabled_clients (past its end of life) and unknown keys", async () => {
    const created = await connections.create({ name: "immutable", strategy: "samlp" });
    const err = await managementFailure(connections.update(created.id!, { name: "other", strategy: "oidc" } as never));
    expect(err).toBeInstanceOf(Management.BadRequestError);
    expect(err.body).toEqual(
      auth0ErrorBody(
        400,
        "Bad Request",
        "Payload validation error: 'Additional properties not allowed: name,strategy'.",
        "invalid_body",
      ),
    );
    const legacy = await managementFailure(connections.update(created.id!, { enabled_clients: [PORTAL_CLIENT_ID] }));
    expect((legacy.body as { message: string }).message).toBe(
      "Payload validation error: 'Additional properties not allowed: enabled_clients'.",
    );
    const empty = await managementFailure(connections.update(created.id!, {}));
    expect((empty.body as { message: string }).message).toBe(
      "Payload validation error: 'Too few properties defined (0), minimum 1'.",
    );
  });

  it("answers 404 for an unknown connection", async () => {
    const err = await managementFailure(connections.update("con_DoesNotExist0000", { display_name: "x" }));
    expect(err.statusCode).toBe(404);
    expect((err.body as { errorCode: string }).errorCode).toBe("inexistent_connection");
  });
});

describe("connections: samlp metadata", () => {
  it("derives endpoints, certificate and thumbprint from metadataXml and does not keep the XML", async () => {
    const created = await connections.create({
      name: "okta-xml",
      strategy: "samlp",
      options: { metadataXml: OKTA_XML },
    });
    const cert = certOf(OKTA_XML);
    const thumbprint = createHash("sha1").update(Buffer.from(cert, "base64")).digest("hex");
    expect(created.options).toEqual({
      signInEndpoint:
        "https://trial-1022863.okta.com/app/trial-1022863_oktalocalhostbis_1/exkdoocxa1VmjpXmX697/sso/saml",
      signingCert: cert,
      signSAMLRequest: false,
      protocolBinding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
      thumbprints: [thumbprint],
    });
    expect(new X509Certificate(Buffer.from(cert, "base64")).fingerprint.replaceAll(":", "").toLowerCase()).toBe(
      thumbprint,
    );
    expect(JSON.stringify(await connections.get(created.id!))).not.toContain("EntityDescriptor");
  });

  it("reads WantAuthnRequestsSigned and the logout endpoint", async () => {
    const created = await connections.create({
      name: "keycloak-xml",
      strategy: "samlp",
      options: { metadataXml: KEYCLOAK_XML, debug: true },
    });
    expect(created.options).toMatchObject({
      signInEndpoint: "http://localhost:8085/realms/master/protocol/saml",
      signOutEndpoint: "http://localhost:8085/realms/master/protocol/saml",
      signSAMLRequest: true,
      debug: true,
    });
    expect((created.options as { metadataXml?: string }).metadataXml).toBeUndefined();
  });

  it("fetches metadataUrl once and keeps the URL", async () => {
    const created = await connections.create({
      name: "okta-url",
      strategy: "samlp",
      options: { metadataUrl: `${metadataUrl}/okta.xml` },
    });
    expect(created.options).toMatchObject({
      metadataUrl: `${metadataUrl}/okta.xml`,
      signingCert: certOf(OKTA_XML),
      signSAMLRequest: false,
    });
    const missing = await managementFailure(
      connections.create({ name: "okta-404", strategy: "samlp", options: { metadataUrl: `${metadataUrl}/nope.xml` } }),
    );
    expect(missing.statusCode).toBe(400);
    const ftp = await managementFailure(
      connections.create({ name: "okta-ftp", strategy: "samlp", options: { metadataUrl: "file:///etc/passwd" } }),
    );
    expect(ftp.statusCode).toBe(400);
  });

  it("refuses metadata with a DOCTYPE and computes thumbprints for a base64 PEM signingCert", async () => {
    const evil = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${OKTA_XML.replace(/^<\?xml[^>]*>/, "")}`;
    const err = await managementFailure(
      connections.create({ name: "evil", strategy: "samlp", options: { metadataXml: evil } }),
    );
    expect(err.statusCode).toBe(400);
    const der = certOf(OKTA_XML);
    const pem = `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
    const created = await connections.create({
      name: "pem-cert",
      strategy: "samlp",
      options: { signInEndpoint: "https://idp.test/sso", signingCert: Buffer.from(pem).toString("base64") },
    });
    expect((created.options as { thumbprints: string[] }).thumbprints).toEqual([
      createHash("sha1").update(Buffer.from(der, "base64")).digest("hex"),
    ]);
  });

  it("re-derives on PATCH, where options are replaced as a whole", async () => {
    const created = await connections.create({
      name: "rotate",
      strategy: "samlp",
      options: { signInEndpoint: "https://old.test/sso", debug: true },
    });
    const updated = await connections.update(created.id!, {
      display_name: "rotate",
      options: { metadataXml: OKTA_XML },
    });
    expect(updated.options).toMatchObject({ signingCert: certOf(OKTA_XML) });
    expect((updated.options as { debug?: boolean }).debug).toBeUndefined();
  });
});

describe("connections: listing", () => {
  it("pages through every connection with the SDK's checkpoint iteration", async () => {
    const names = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const name of names) await connections.create({ name, strategy: "oidc", options: { client_id: name } });
    const seen: string[] = [];
    for await (const c of await connections.list({ take: 3 })) seen.push(c.name!);
    const all = h.tenant.context.store.state.connections.map((c) => c.name);
    expect(seen.sort()).toEqual([...all].sort());
    const checkpointCalls = h.exchanges.filter(
      (e) => e.method === "GET" && e.path === "/connections" && e.query.includes("take=3"),
    );
    expect(checkpointCalls.length).toBe(Math.ceil(all.length / 3));
    expect(checkpointCalls.at(-1)!.responseBody).not.toHaveProperty("next");
  });

  it("filters by repeated strategy and by name, and never lists enabled_clients", async () => {
    const page = await connections.list({ strategy: ["samlp", "auth0"] });
    const strategies = new Set(page.data.map((c) => c.strategy));
    expect([...strategies].sort()).toEqual(["auth0", "samlp"]);
    const byName = await connections.list({ name: "Username-Password-Authentication" });
    expect(byName.data.map((c) => c.name)).toEqual(["Username-Password-Authentication"]);
    expect(page.data.every((c) => !("enabled_clients" in c))).toBe(true);
  });

  it("answers offset pages with totals, bare arrays without, and projects fields", async () => {
    const token = await h.token();
    const get = async (query: string) => {
      const res = await h.fetch(`${h.tenant.managementApiUrl}/connections?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const total = h.tenant.context.store.state.connections.length;
    const offset = await get("page=1&per_page=2&include_totals=true");
    expect(offset.body).toMatchObject({ start: 2, limit: 2, total });
    expect((offset.body as { connections: unknown[] }).connections).toHaveLength(2);
    const bare = await get("page=0&per_page=2");
    expect(Array.isArray(bare.body)).toBe(true);
    const fields = await get("fields=id,name&include_fields=true&per_page=1&page=0");
    expect(Object.keys((fields.body as object[])[0]!).sort()).toEqual(["id", "name"]);
    const excluded = await get("fields=options&include_fields=false&per_page=1&page=0");
    expect((excluded.body as object[])[0]).not.toHaveProperty("options");
    const bad = await get("per_page=500");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errorCode: "invalid_query_string" });
    const unknownStrategy = await get("strategy=nope");
    expect(unknownStrategy.status).toBe(400);
  });
});

describe("connections: enabled clients", () => {
  it("enables and disables clients as a delta and lists them with checkpoint paging", async () => {
    const created = await connections.create({ name: "enable-me", strategy: "samlp" });
    const first = await connections.clients
      .update(created.id!, [{ client_id: TEST_LOGIN_CLIENT_ID, status: true }])
      .withRawResponse();
    expect(first.rawResponse.status).toBe(204);
    await connections.clients.update(created.id!, [{ client_id: PORTAL_CLIENT_ID, status: true }]);
    const ids: string[] = [];
    for await (const c of await connections.clients.get(created.id!, { take: 1 })) ids.push(c.client_id);
    expect(ids.sort()).toEqual([PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID].sort());
    await connections.clients.update(created.id!, [{ client_id: PORTAL_CLIENT_ID, status: false }]);
    const after = await connections.clients.get(created.id!);
    expect(after.data.map((c) => c.client_id)).toEqual([TEST_LOGIN_CLIENT_ID]);
  });

  it("refuses unknown clients, empty lists and more than 50 changes", async () => {
    const created = await connections.create({ name: "enable-bad", strategy: "samlp" });
    const unknown = await managementFailure(
      connections.clients.update(created.id!, [{ client_id: "nope", status: true }]),
    );
    expect(unknown.statusCode).toBe(404);
    expect((unknown.body as { message: string }).message).toBe("The client does not exist");
    const empty = await managementFailure(connections.clients.update(created.id!, []));
    expect(empty.statusCode).toBe(400);
    const many = Array.from({ length: 51 }, () => ({ client_id: PORTAL_CLIENT_ID, status: true }));
    const tooMany = await managementFailure(connections.clients.update(created.id!, many));
    expect((tooMany.body as { message: string }).message).toBe(
      "Payload validation error: 'Array is too long (51), maximum 50'.",
    );
    const noConn = await managementFailure(connections.clients.get("con_DoesNotExist0000"));
    expect(noConn.statusCode).toBe(404);
  });
});

describe("connections: scopes", () => {
  it("hides options without read:connections_options and refuses options updates without update:connections_options", async () => {
    const limited = h.machineClient(["read:connections", "create:connections", "update:connections"]);
    const client = h.management(limited);
    const created = await client.connections.create({
      name: "no-options-scope",
      strategy: "oidc",
      options: { client_id: "abc" },
    });
    expect(created).not.toHaveProperty("options");
    expect(await client.connections.get(created.id!)).not.toHaveProperty("options");
    const listed: string[] = [];
    for await (const c of await client.connections.list()) listed.push(...Object.keys(c));
    expect(listed).not.toContain("options");
    const err = await managementFailure(
      client.connections.update(created.id!, { display_name: "x", options: { client_id: "def" } }),
    );
    expect(err).toBeInstanceOf(Management.ForbiddenError);
    expect(err.body).toMatchObject({ statusCode: 403, errorCode: "insufficient_scope" });
    expect((err.body as { message: string }).message).toContain("update:connections_options");
    // Without options the same client can still update the rest.
    expect((await client.connections.update(created.id!, { display_name: "Renamed" })).display_name).toBe("Renamed");
    expect((await connections.get(created.id!)).options).toEqual({ client_id: "abc" });
  });

  it("answers 403 insufficient_scope naming the scope that was needed", async () => {
    const readOnly = h.management(h.machineClient(["read:connections"]));
    const err = await managementFailure(readOnly.connections.create({ name: "nope", strategy: "oidc" }));
    expect(err.body).toEqual(
      auth0ErrorBody(403, "Forbidden", "Insufficient scope, expected any of: create:connections", "insufficient_scope"),
    );
    const del = await managementFailure(readOnly.connections.delete("con_LocalDatabase0001"));
    expect((del.body as { message: string }).message).toBe("Insufficient scope, expected any of: delete:connections");
  });
});

describe("connections: contract", () => {
  it("every recorded exchange matches Auth0's OpenAPI document", () => {
    expect(h.exchanges.length).toBeGreaterThan(40);
    expect(h.violations()).toEqual([]);
  });
});
