import { createCookie, type Cookie } from "@remix-run/node";
import * as client from "openid-client";
import { getEnv } from "../platform/env.server";
import { getPublicUrl } from "../platform/public-url.server";
import { singleton } from "../platform/singleton.server";
import { getTenantConfig } from "../platform/tenant-config.server";
import { cookieSecret } from "./session.server";

/**
 * Sign-in with OpenID Connect (openid-client 6) against the tenant: authorization code with PKCE
 * (S256), state and nonce; the ID token is validated by openid-client (issuer, audience, expiry,
 * signature against the tenant's JWKS, nonce). The values a callback needs travel in a short-lived
 * signed httpOnly cookie, bound to the browser that started the sign-in.
 */

export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

const cache = singleton("oidc-config", () => ({
  configs: new Map<string, Promise<client.Configuration>>(),
  loginCookie: undefined as Cookie | undefined,
}));

/** The tenant's applications the portal signs people in with. */
export type TenantApplication = "portal" | "testLogin" | "demoApp";

export function loginCookie(): Cookie {
  const secure = !getEnv().localMode;
  cache.loginCookie ??= createCookie(secure ? "__Host-portal_login" : "portal_login", {
    httpOnly: true,
    sameSite: "lax", // sent on the top-level GET back from the tenant
    secure,
    path: "/",
    maxAge: 600,
    secrets: [cookieSecret],
  });
  return cache.loginCookie;
}

export function callbackUrl(): string {
  return `${getPublicUrl()}/auth/callback`;
}

/**
 * The tenant's OIDC configuration (discovery) for one of its applications — the portal's own
 * sign-in, customers' test logins, local mode's demo vendor application — fetched once per issuer
 * and application and kept.
 */
export async function oidcConfiguration(application: TenantApplication = "portal"): Promise<client.Configuration> {
  const tenant = getTenantConfig();
  const credentials = tenant[application];
  if (!credentials) throw new Error(`The tenant has no ${application} application configured.`);
  const key = `${tenant.issuer}|${credentials.clientId}`;
  let config = cache.configs.get(key);
  if (!config) {
    const insecure = tenant.issuer.startsWith("http://");
    config = client
      .discovery(
        new URL(tenant.issuer),
        credentials.clientId,
        undefined,
        client.ClientSecretPost(credentials.clientSecret),
        { execute: insecure ? [client.allowInsecureRequests] : [], timeout: 10 },
      )
      .catch((err: unknown) => {
        cache.configs.delete(key); // retry on the next sign-in
        throw err;
      });
    cache.configs.set(key, config);
  }
  return config;
}

/** Where to send the browser to sign in, and the pending login to keep in the cookie. */
export async function startLogin(returnTo: string): Promise<{ url: URL; pending: PendingLogin }> {
  const { url, secrets } = await authorizationRequest(await oidcConfiguration(), callbackUrl());
  return { url, pending: { ...secrets, returnTo } };
}

/**
 * A code-flow authorization request with PKCE at the tenant (sign-in and test login alike): the
 * URL, and the state, nonce and code verifier to keep until the callback. `extra` adds
 * parameters (a connection, a prompt).
 */
export async function authorizationRequest(
  config: client.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<{ url: URL; secrets: { state: string; nonce: string; codeVerifier: string } }> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const secrets = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile email",
    response_type: "code",
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state: secrets.state,
    nonce: secrets.nonce,
    ...extra,
  });
  return { url, secrets };
}

export function isPendingLogin(value: unknown): value is PendingLogin {
  const v = value as Partial<PendingLogin> | null;
  return (
    !!v &&
    typeof v.state === "string" &&
    typeof v.nonce === "string" &&
    typeof v.codeVerifier === "string" &&
    typeof v.returnTo === "string"
  );
}

/** Exchanges the code and validates the ID token; returns its claims and the raw token. */
export async function finishLogin(
  search: string,
  pending: PendingLogin,
): Promise<{ claims: client.IDToken & Record<string, unknown>; idToken: string }> {
  const config = await oidcConfiguration();
  const current = new URL(`${callbackUrl()}${search}`);
  const tokens = await client.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) throw new Error("The tenant returned no ID token.");
  return { claims: claims as client.IDToken & Record<string, unknown>, idToken: tokens.id_token };
}

/**
 * Auth0's logout endpoint ends the tenant's session and comes back to the portal's signed-out
 * page (which must be in the application's Allowed Logout URLs).
 */
export function tenantLogoutUrl(): string {
  const tenant = getTenantConfig();
  const url = new URL("v2/logout", tenant.issuer.endsWith("/") ? tenant.issuer : `${tenant.issuer}/`);
  url.searchParams.set("client_id", tenant.portal.clientId);
  url.searchParams.set("returnTo", `${getPublicUrl()}/signed-out`);
  return url.toString();
}
