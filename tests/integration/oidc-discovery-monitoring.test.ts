import { generateKeyPairSync } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configurationFromReport } from "~/services/connections/configuration.server";
import { IDENTITY_PROVIDERS } from "~/services/connections/identity-providers";
import { judgeOidcProvider } from "~/services/idp-documents/idp-validation.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import type { Harness } from "../support/local-tenant-contract.js";
import {
  IDP_SERVER_TLS,
  monitoringRun,
  startMonitoredOrganization,
  type monitorReads,
} from "../support/monitoring-fixtures.js";
import type { TestDatabase } from "../support/test-database.js";

/**
 * The metadata monitor on an OIDC connection set up from a discovery URL, served by a local HTTPS
 * server (trusted through the test CA): the discovery document and its key set are asked for
 * conditionally; a key rotation is recorded and needs nothing (Auth0 reads the key set itself); a
 * changed endpoint becomes a change request for review (never applied by the monitor) and is told
 * once; an unreachable document or a broken key set is reported and nothing is applied.
 */

function signingJwk(kid: string): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
}
const k1 = signingJwk("k1");
const k2 = signingJwk("k2");

let h: Harness;
let database: TestDatabase;
let acme: ScopedOrganization;
let server: https.Server;
let origin = "";

/** What the IdP serves now, and what it was asked (path and If-None-Match). */
const idp = {
  mode: "ok" as "ok" | "down",
  tokenPath: "/token",
  discoveryEtag: '"d1"',
  keys: [k1] as Record<string, unknown>[],
  jwksEtag: '"j1"',
  requests: [] as string[],
};

function discovery(): Record<string, unknown> {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}${idp.tokenPath}`,
    userinfo_endpoint: `${origin}/userinfo`,
    jwks_uri: `${origin}/jwks`,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid", "email", "profile"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["client_secret_post"],
  };
}

// idp.test is our HTTPS server on loopback (allowed in local mode); evil.test is an internal address.
const { fetcher, clock, refresh, refreshSixHoursLater } = monitoringRun(() => database.db);

beforeAll(async () => {
  server = https.createServer(IDP_SERVER_TLS, (req, res) => {
    const condition = req.headers["if-none-match"];
    idp.requests.push(`${req.url} ${condition ?? "-"}`);
    if (idp.mode === "down") return res.writeHead(503).end("maintenance");
    const [etag, body] =
      req.url === "/.well-known/openid-configuration"
        ? [idp.discoveryEtag, discovery()]
        : req.url === "/jwks"
          ? [idp.jwksEtag, { keys: idp.keys }]
          : [null, null];
    if (!etag) return res.writeHead(404).end();
    if (condition === etag) return res.writeHead(304, { etag }).end();
    res.writeHead(200, { "content-type": "application/json", etag }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://idp.test:${(server.address() as AddressInfo).port}`;

  const started = await startMonitoredOrganization("oidc-acme");
  ({ h, database, acme, reads } = started);

  // Alice sets SSO up from the discovery URL; support approves; it is applied (version 1).
  const discoveryUrl = `${origin}/.well-known/openid-configuration`;
  const report = await judgeOidcProvider(discoveryUrl, { now: clock.now(), localMode: true, fetch: fetcher });
  if (report.verdict === "error") throw new Error(JSON.stringify(report.errors));
  const configuration = configurationFromReport(report, {
    idp: "oidc",
    source: { kind: "discovery", url: discoveryUrl },
    mapping: IDENTITY_PROVIDERS.oidc.attributes,
    oidc: { clientType: "back_channel", clientId: "portal-client", clientSecret: "a-client-secret-of-some-length" },
  });
  await started.submitApproveApply({ configuration, report });
});
afterAll(async () => {
  server?.close();
  await database?.destroy();
  await h?.close();
});

let reads: ReturnType<typeof monitorReads>;
const health = () => reads.health();
const changes = () => reads.changes();
const mails = () => reads.mails();
const jobCount = () => reads.jobCount();

const tokenEndpointInAuth0 = () =>
  (
    h.tenant.context.store.state.connections.find((c) => c.name === "sso-oidc-acme-oidc-test")?.options as
      Record<string, unknown> | undefined
  )?.token_endpoint;

describe(`OIDC discovery URL monitoring (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("records an unchanged provider and asks for the document and the key set conditionally next time", async () => {
    expect((await changes()).map((c) => c.state)).toEqual(["applied"]);
    expect(tokenEndpointInAuth0()).toBe(`${origin}/token`);
    expect(await refresh()).toBe("1 metadata URL checked: 1 unchanged");
    const found = await health();
    expect(found).toMatchObject({
      metadata_status: "unchanged",
      metadata_url: `${origin}/.well-known/openid-configuration`,
      metadata_etag: '"d1"',
      jwks_etag: '"j1"',
      metadata_fingerprints: ["kid:k1"],
    });
    idp.requests.length = 0;
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 unchanged");
    expect(idp.requests).toEqual(['/.well-known/openid-configuration "d1"', '/jwks "j1"']);
    expect(await mails()).toEqual([]);
  });

  it("a key rotation is recorded and needs no change: Auth0 reads the key set itself", async () => {
    idp.keys = [k1, k2];
    idp.jwksEtag = '"j2"';
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 unchanged");
    expect(await health()).toMatchObject({
      metadata_status: "unchanged",
      jwks_etag: '"j2"',
      metadata_fingerprints: ["kid:k1", "kid:k2"],
    });
    expect(await changes()).toHaveLength(1);
    expect(await mails()).toEqual([]);
  });

  it("a changed endpoint becomes a change request for review, told once, and nothing is applied", async () => {
    const jobsBefore = await jobCount();
    idp.tokenPath = "/oauth2/v2/token";
    idp.discoveryEtag = '"d2"';
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 changed");
    expect(await health()).toMatchObject({ metadata_status: "changed", metadata_etag: '"d2"' });
    const [, proposed] = await changes();
    expect(proposed).toMatchObject({ state: "pending_review", author_label: "metadata-monitor" });
    const told = await mails();
    expect(told.map((m) => m.to_address)).toContain("alice@oidc-acme.test");
    expect(told.some((m) => m.subject.startsWith("[Support]"))).toBe(true);
    expect(told[0]!.subject).toBe(
      "Org oidc-acme's identity provider OpenID Connect discovery document names a changed issuer or endpoint",
    );
    expect(told[0]!.text_body).toContain(`Token endpoint: ${origin}/token → ${origin}/oauth2/v2/token`);
    expect(told[0]!.text_body).not.toContain("a-client-secret-of-some-length");
    // The proposal keeps the client's sealed secret and carries the new endpoint.
    const row = await database.db
      .selectFrom("change_requests")
      .select("desired")
      .where("id", "=", proposed!.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.desired)).toContain(`${origin}/oauth2/v2/token`);
    expect(JSON.stringify(row.desired)).not.toContain("a-client-secret-of-some-length");

    // The next runs (304, or the same document again) raise nothing new.
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 changed");
    await database.db
      .updateTable("organization_health")
      .set({ metadata_etag: null })
      .where("organization_id", "=", acme.id)
      .execute();
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 changed");
    expect(await changes()).toHaveLength(2);
    expect(await mails()).toHaveLength(told.length);
    expect(await jobCount()).toBe(jobsBefore);
    expect(tokenEndpointInAuth0()).toBe(`${origin}/token`);
  });

  it("an unreachable provider and a broken key set are reported once each; nothing is applied", async () => {
    const jobsBefore = await jobCount();
    const before = (await mails()).length;
    idp.mode = "down";
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 unreachable");
    expect(await health()).toMatchObject({
      metadata_status: "unreachable",
      metadata_error: "The server answered HTTP 503.",
    });
    const afterDown = (await mails()).length;
    expect(afterDown).toBeGreaterThan(before);
    await refresh();
    expect(await mails()).toHaveLength(afterDown); // still down: not told again

    idp.mode = "ok";
    idp.keys = [{ kty: "oct", k: "c2VjcmV0", kid: "sym" }];
    idp.jwksEtag = '"j3"';
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 invalid");
    const found = await health();
    expect(found.metadata_status).toBe("invalid");
    expect(found.metadata_error).toMatch(/key/i);
    expect((await mails()).length).toBeGreaterThan(afterDown);
    expect((await mails()).at(-1)!.subject).toContain("no longer describes a valid OpenID Connect provider");
    expect(await changes()).toHaveLength(2);
    expect(await jobCount()).toBe(jobsBefore);
  });
});
