import express from "express";
import { decodeJwt } from "jose";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { managementRouter } from "../../local-tenant/management/index.js";
import { MANAGEMENT_SCOPES, PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";

let h: Harness;
let other: Harness;
let clockOffsetMs = 0;

beforeAll(async () => {
  h = await startHarness({ now: () => new Date(Date.now() + clockOffsetMs) });
  other = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await other?.close();
});

async function tokenRequest(
  body: Record<string, string>,
  as: "form" | "json" = "form",
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${h.tenant.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": as === "form" ? "application/x-www-form-urlencoded" : "application/json", ...headers },
    body: as === "form" ? new URLSearchParams(body) : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const creds = () => ({
  grant_type: "client_credentials",
  client_id: h.tenant.mgmtClient.clientId,
  client_secret: h.tenant.mgmtClient.clientSecret,
  audience: h.tenant.context.audience,
});

describe("POST /oauth/token (client credentials)", () => {
  it("issues a bearer JWT carrying the client's granted scopes, form-encoded or JSON", async () => {
    for (const as of ["form", "json"] as const) {
      const { status, body } = await tokenRequest(creds(), as);
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: "Bearer", expires_in: 86400, scope: MANAGEMENT_SCOPES.join(" ") });
      const claims = decodeJwt(body.access_token as string);
      expect(claims).toMatchObject({
        iss: h.tenant.issuer,
        sub: `${h.tenant.mgmtClient.clientId}@clients`,
        aud: h.tenant.context.audience,
        gty: "client-credentials",
      });
      expect(claims.exp! - claims.iat!).toBe(86400);
    }
  });

  it("accepts client_secret_basic and narrows the token to a requested scope", async () => {
    const { client_id, client_secret, ...rest } = creds();
    const basic = Buffer.from(`${client_id}:${client_secret}`).toString("base64");
    const { status, body } = await tokenRequest({ ...rest, scope: "read:connections read:nothing" }, "form", {
      authorization: `Basic ${basic}`,
    });
    expect(status).toBe(200);
    expect(body.scope).toBe("read:connections");
  });

  it("answers Auth0's OAuth errors for bad credentials, audiences and clients", async () => {
    expect(await tokenRequest({ ...creds(), client_secret: "wrong" })).toEqual({
      status: 401,
      body: { error: "access_denied", error_description: "Unauthorized" },
    });
    expect(await tokenRequest({ ...creds(), client_id: "nobody" })).toEqual({
      status: 401,
      body: { error: "access_denied", error_description: "Unauthorized" },
    });
    const aud = await tokenRequest({ ...creds(), audience: "https://elsewhere.test/api/v2/" });
    expect(aud).toEqual({
      status: 403,
      body: {
        error: "access_denied",
        error_description: "Service not enabled within domain: https://elsewhere.test/api/v2/",
      },
    });
    const portal = h.tenant.portalClient;
    const web = await tokenRequest({ ...creds(), client_id: portal.clientId, client_secret: portal.clientSecret });
    expect(web.status).toBe(403);
    expect(web.body.error).toBe("unauthorized_client");
    const { grant_type: _omitted, ...withoutGrant } = creds();
    expect(await tokenRequest(withoutGrant)).toEqual({
      status: 400,
      body: { error: "invalid_request", error_description: "Missing required parameter: grant_type" },
    });
  });

  it("passes other grant types on to the login half with the body already parsed", async () => {
    const app = express();
    app.use(managementRouter(h.tenant.context));
    app.post("/oauth/token", (req, res) => {
      res.json({ handledBy: "logins", body: req.body });
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code: "abc", client_id: PORTAL_CLIENT_ID }),
      });
      expect(await res.json()).toEqual({
        handledBy: "logins",
        body: { grant_type: "authorization_code", code: "abc", client_id: PORTAL_CLIENT_ID },
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("bearer tokens on /api/v2", () => {
  const call = async (authorization?: string) => {
    const res = await fetch(`${h.tenant.managementApiUrl}/connections`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: res.status, body: await res.json(), limit: res.headers.get("x-ratelimit-limit") };
  };

  it("answers 401 in Auth0's shape for missing, malformed, foreign and expired tokens", async () => {
    expect(await call()).toMatchObject({
      status: 401,
      body: { statusCode: 401, error: "Unauthorized", message: "Missing authentication" },
    });
    expect(await call("Bearer not-a-jwt")).toMatchObject({ status: 401, body: { message: "Invalid token" } });
    const foreign = await other.token();
    expect(await call(`Bearer ${foreign}`)).toMatchObject({
      status: 401,
      body: { message: "Invalid signature received for JSON Web Token validation" },
    });
    const token = await h.token();
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    clockOffsetMs = 2 * 86_400_000;
    try {
      expect(await call(`Bearer ${token}`)).toMatchObject({
        status: 401,
        body: { message: "Expired token received for JSON Web Token validation" },
      });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("surfaces a bad token as the SDK's UnauthorizedError", async () => {
    const { Management } = await import("auth0");
    const { ConnectionsClient } = await import("auth0/connections");
    const connections = new ConnectionsClient(h.clientOptions("not-a-jwt"));
    await expect(connections.get("con_LocalDatabase0001")).rejects.toBeInstanceOf(Management.UnauthorizedError);
  });

  it("sends rate-limit headers on errors too, and 404s unknown Management API paths", async () => {
    expect((await call()).limit).toMatch(/^\d+$/);
    const res = await fetch(`${h.tenant.managementApiUrl}/no-such-thing`, {
      headers: { authorization: `Bearer ${await h.token()}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ statusCode: 404, error: "Not Found", message: "Not Found" });
  });

  it("lets the SDK's ManagementClient fetch and reuse one token through a rewriting fetch", async () => {
    let tokenCalls = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith("/oauth/token")) tokenCalls++;
      return h.fetch(input, init);
    };
    const { ManagementClient } = await import("auth0");
    const client = new ManagementClient({
      domain: h.tenant.domain,
      clientId: h.tenant.mgmtClient.clientId,
      clientSecret: h.tenant.mgmtClient.clientSecret,
      fetch: counting,
    });
    const first = await client.connections.get("con_LocalDatabase0001");
    const second = await client.clients.get(PORTAL_CLIENT_ID);
    expect(first.name).toBe("Username-Password-Authentication");
    expect(second.name).toBe("SSO Portal");
    expect(tokenCalls).toBe(1);
  });
});
