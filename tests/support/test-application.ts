import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import * as oidc from "openid-client";
import type { LocalTenant } from "../../local-tenant/server.js";
import { fetchManagementToken } from "../../local-tenant/management-token";
import type { HttpBrowser } from "../../harness/http-browser";

/**
 * A stand-in relying party for browser tests of the local tenant: `/login?connection=…` starts a
 * code + PKCE login, `/test-login/callback` finishes it with openid-client and shows the ID
 * token's claims (`#claims`, JSON) or the error the tenant sent (`#error`, `#error-description`).
 * Start it before the tenant (the tenant needs its URL for the callback allow-list), then
 * `connect()` it to the tenant.
 */
export interface TestApplication {
  url: string;
  callbackUrl: string;
  connect(issuer: string, clientId: string, clientSecret: string): Promise<void>;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startTestApplication(): Promise<TestApplication> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const callbackUrl = `${url}/test-login/callback`;
  let config: oidc.Configuration | undefined;
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const html = (title: string, body: string) =>
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;

  const app = express();
  app.get("/login", async (req, res, next) => {
    try {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      pending.set(state, { verifier, nonce });
      const params: Record<string, string> = {
        redirect_uri: callbackUrl,
        scope: "openid profile email",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
        prompt: "login",
      };
      if (typeof req.query.connection === "string") params.connection = req.query.connection;
      res.redirect(oidc.buildAuthorizationUrl(config!, params).href);
    } catch (err) {
      next(err);
    }
  });
  app.get("/test-login/callback", async (req, res) => {
    const current = new URL(req.originalUrl, url);
    const state = current.searchParams.get("state") ?? "";
    const p = pending.get(state);
    pending.delete(state);
    const error = current.searchParams.get("error");
    if (error) {
      res.send(
        html(
          "Login failed",
          `<p id="error">${esc(error)}</p><p id="error-description">${esc(current.searchParams.get("error_description") ?? "")}</p>`,
        ),
      );
      return;
    }
    try {
      if (!p) throw new Error("unknown state");
      const tokens = await oidc.authorizationCodeGrant(config!, current, {
        pkceCodeVerifier: p.verifier,
        expectedState: state,
        expectedNonce: p.nonce,
      });
      res.send(html("Signed in", `<pre id="claims">${esc(JSON.stringify(tokens.claims()))}</pre>`));
    } catch (err) {
      res.status(500).send(html("Callback failed", `<p id="error">${esc((err as Error).message)}</p>`));
    }
  });
  server.on("request", app);

  return {
    url,
    callbackUrl,
    connect: async (issuer, clientId, clientSecret) => {
      config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
        execute: [oidc.allowInsecureRequests],
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A Management API access token for the tenant's own Management client (client credentials),
 * the first step of every test that registers connections or applications over HTTP.
 */
export function managementToken(tenant: LocalTenant): Promise<string> {
  return fetchManagementToken({ tenantUrl: tenant.url, ...tenant.mgmtClient, audience: tenant.context.audience });
}

/** openid-client's configuration for one of the tenant's applications (plain HTTP allowed: tests only). */
export function discoverTenantClient(
  tenant: LocalTenant,
  client: { clientId: string; clientSecret: string },
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(tenant.issuer), client.clientId, client.clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
}

/**
 * An authorization request for `config`'s application (code flow with PKCE, state and nonce;
 * `extra` parameters such as connection, prompt or organization), followed in `browser` until it
 * reaches `callback` or a page answers. Returns what finishing it needs and where it got to.
 */
export async function startAuthorization(
  browser: HttpBrowser,
  config: oidc.Configuration,
  callback: string,
  extra: Record<string, string> = {},
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callback,
    scope: "openid profile email",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  const step = await browser.follow(url.href, (u) => u.startsWith(callback));
  return { verifier, state, nonce, step };
}

/**
 * The code exchange that finishes an authorization request `startAuthorization` began, from the
 * URL it came back to: checks its state, nonce and PKCE verifier, as the application would.
 */
export function finishAuthorization(
  config: oidc.Configuration,
  callbackUrl: string,
  started: { verifier: string; state: string; nonce: string },
) {
  return oidc.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
}
