import { createHash, randomBytes } from "node:crypto";
import express, { Router, type Request, type Response } from "express";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { Interaction } from "oidc-provider";
import type { TenantContext } from "../context.js";
import { handler } from "../management/async-handler.js";
import { HTTP_POST } from "../management/saml-metadata.js";
import type { TenantConnection, TenantUser } from "../store.js";
import { selfSignedCertificate, type CertifiedKey } from "../x509.js";
import { admitToOrganization, LoginError, resolveOrganization } from "./organizations.js";
import { autoPostPage, errorPage, sendPage } from "./pages.js";
import type { TenantProvider } from "./provider.js";
import {
  authnRequestXml,
  mapSamlProfile,
  newRequestId,
  postBindingRequest,
  redirectBindingUrl,
  SamlError,
  samlOptions,
  spMetadataXml,
  verifySamlResponse,
} from "./saml-sp.js";
import type { BrokerStart } from "./universal-login.js";

/**
 * Enterprise brokering: `/authorize?connection=NAME` for `samlp` and `oidc` connections sends the
 * browser to the IdP; `/login/callback` takes the answer (SAMLResponse by POST, or code + state
 * by GET), checks it, creates or updates the user (`samlp|<name>|<nameid>`, `oidc|<name>|<sub>`)
 * and finishes the login at the application — or sends the application `error` and
 * `error_description`. Pending logins live in memory for ten minutes and are single-use.
 */

const PENDING_TTL_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Pending {
  uid: string;
  connection: string;
  expires: number;
  /** SAML: the AuthnRequest ID. */
  requestId?: string;
  /** OIDC: nonce and PKCE verifier. */
  nonce?: string;
  codeVerifier?: string;
}

interface OidcEndpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported?: string[];
}

interface OidcOptions {
  discovery_url?: string;
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  jwks_uri?: string;
  oidc_metadata?: Partial<OidcEndpoints>;
  client_id?: string;
  client_secret?: string;
  scope?: string;
  connection_settings?: { pkce?: "auto" | "S256" | "plain" | "disabled" };
}

export interface Broker {
  start: BrokerStart;
  router: Router;
  /** The tenant's SAML signing certificate (SP metadata, signed AuthnRequests). */
  spKey(): CertifiedKey;
}

// Made on first use and kept for the process (see signingJwk in provider.ts).
let spCertificate: CertifiedKey | undefined;
function spKey(): CertifiedKey {
  spCertificate ??= selfSignedCertificate("urn:auth0:local-tenant");
  return spCertificate;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`unsupported URL scheme ${u.protocol}`);
  const res = await fetch(u, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

export function createBroker(ctx: TenantContext, tp: TenantProvider): Broker {
  const pending = new Map<string, Pending>();
  const discoveryCache = new Map<string, { at: number; value: OidcEndpoints }>();
  const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const { provider } = tp;

  function remember(p: Omit<Pending, "expires">): string {
    const now = Date.now();
    for (const [k, v] of pending) if (v.expires < now) pending.delete(k);
    const token = randomBytes(24).toString("base64url");
    pending.set(token, { ...p, expires: now + PENDING_TTL_MS });
    return token;
  }
  function take(token: unknown): Pending | undefined {
    if (typeof token !== "string") return undefined;
    const p = pending.get(token);
    pending.delete(token);
    return p && p.expires >= Date.now() ? p : undefined;
  }

  async function oidcEndpoints(opts: OidcOptions): Promise<OidcEndpoints> {
    let meta: Partial<OidcEndpoints> = { ...opts.oidc_metadata };
    if (opts.discovery_url) {
      const cached = discoveryCache.get(opts.discovery_url);
      if (cached && cached.at > Date.now() - 60_000) meta = { ...cached.value, ...meta };
      else {
        const doc = (await fetchJson(opts.discovery_url)) as OidcEndpoints;
        discoveryCache.set(opts.discovery_url, { at: Date.now(), value: doc });
        meta = { ...doc, ...meta };
      }
    }
    const pick = (k: keyof OidcEndpoints) => (opts[k as keyof OidcOptions] as string | undefined) ?? meta[k];
    const out = {
      issuer: pick("issuer"),
      authorization_endpoint: pick("authorization_endpoint"),
      token_endpoint: pick("token_endpoint"),
      jwks_uri: pick("jwks_uri"),
      code_challenge_methods_supported: meta.code_challenge_methods_supported,
    };
    for (const k of ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
      if (typeof out[k] !== "string" || !out[k]) throw new Error(`the connection's OIDC configuration has no ${k}`);
    }
    return out as OidcEndpoints;
  }

  const start: BrokerStart = async (_req, res, interaction, connection) => {
    if (connection.strategy === "samlp") {
      const opts = samlOptions(connection);
      if (!opts.signInEndpoint) throw new LoginError("invalid_request", "the connection has no signInEndpoint");
      // The endpoint becomes a form action or a Location: only http(s), never `javascript:`.
      if (!isHttpUrl(opts.signInEndpoint))
        throw new LoginError("invalid_request", "the connection's signInEndpoint is not an http(s) URL");
      const requestId = newRequestId();
      const relayState = remember({ uid: interaction.uid, connection: connection.name, requestId });
      const xml = authnRequestXml(ctx, connection, requestId);
      const key = opts.signSAMLRequest ? spKey() : undefined;
      if (opts.protocolBinding === HTTP_POST) {
        sendPage(
          res,
          200,
          autoPostPage(opts.signInEndpoint, {
            SAMLRequest: postBindingRequest(connection, xml, key),
            RelayState: relayState,
          }),
          { script: true },
        );
      } else {
        res.set("Cache-Control", "no-store").redirect(302, redirectBindingUrl(connection, xml, relayState, key));
      }
      return true;
    }
    if (connection.strategy === "oidc") {
      const opts = connection.options as OidcOptions;
      let endpoints: OidcEndpoints;
      try {
        endpoints = await oidcEndpoints(opts);
      } catch (err) {
        throw new LoginError("server_error", `could not read the OIDC configuration: ${(err as Error).message}`);
      }
      if (!opts.client_id) throw new LoginError("invalid_request", "the connection has no client_id");
      const nonce = randomBytes(16).toString("base64url");
      const pkce = opts.connection_settings?.pkce ?? "auto";
      const useS256 =
        pkce === "S256" || (pkce === "auto" && (endpoints.code_challenge_methods_supported ?? []).includes("S256"));
      const codeVerifier = useS256 ? randomBytes(32).toString("base64url") : undefined;
      const state = remember({ uid: interaction.uid, connection: connection.name, nonce, codeVerifier });
      if (!isHttpUrl(endpoints.authorization_endpoint))
        throw new LoginError("invalid_request", "the connection's authorization_endpoint is not an http(s) URL");
      const url = new URL(endpoints.authorization_endpoint);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", opts.client_id);
      url.searchParams.set("redirect_uri", `${ctx.baseUrl}/login/callback`);
      url.searchParams.set("scope", opts.scope?.includes("openid") ? opts.scope : "openid profile email");
      url.searchParams.set("state", state);
      url.searchParams.set("nonce", nonce);
      // An application that asked for a fresh sign-in (prompt=login) gets one at the IdP too.
      if (
        String(interaction.params.prompt ?? "")
          .split(" ")
          .includes("login")
      )
        url.searchParams.set("prompt", "login");
      if (codeVerifier) {
        url.searchParams.set("code_challenge", createHash("sha256").update(codeVerifier).digest("base64url"));
        url.searchParams.set("code_challenge_method", "S256");
      }
      res.set("Cache-Control", "no-store").redirect(302, url.href);
      return true;
    }
    return false;
  };

  /** Creates or updates the brokered user, as Auth0 does on every login (set_user_root_attributes). */
  function upsertUser(
    connection: TenantConnection,
    userId: string,
    profile: { email?: string; email_verified?: boolean; name?: string; given_name?: string; family_name?: string },
    raw: Record<string, unknown>,
  ): TenantUser {
    const now = ctx.now().toISOString();
    const fields = {
      connection: connection.name,
      email: profile.email ?? "",
      email_verified: profile.email_verified ?? false,
      name:
        profile.name ??
        ([profile.given_name, profile.family_name].filter(Boolean).join(" ") || profile.email || userId),
      given_name: profile.given_name,
      family_name: profile.family_name,
      idp_attributes: raw,
      updated_at: now,
    };
    let user = ctx.store.user(userId);
    if (user) Object.assign(user, fields);
    else {
      user = { user_id: userId, created_at: now, ...fields };
      ctx.store.state.users.push(user);
    }
    ctx.store.save();
    return user;
  }

  async function finish(res: Response, interaction: Interaction, result: Record<string, unknown>): Promise<void> {
    interaction.result = result;
    await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
    res.set("Cache-Control", "no-store").redirect(303, interaction.returnTo);
  }

  async function complete(res: Response, p: Pending, build: (c: TenantConnection, i: Interaction) => Promise<string>) {
    const interaction = await provider.Interaction.find(p.uid);
    if (!interaction) {
      return sendPage(
        res,
        400,
        errorPage(
          "Login session expired",
          "The login this answer belongs to has expired.",
          "Go back to the application and sign in again.",
        ),
      );
    }
    const connection = ctx.store.connectionByName(p.connection);
    try {
      if (!connection) throw new LoginError("invalid_request", "the connection was not found");
      const accountId = await build(connection, interaction);
      const org = resolveOrganization(ctx.store, interaction.params.organization);
      if (org) admitToOrganization(ctx.store, org, connection, accountId);
      // Another user of this browser's tenant session (the portal's admin testing their IdP):
      // Auth0 simply replaces the SSO session. oidc-provider would instead ask to log the old
      // user out first and lose the login on the way, so the old session is ended here.
      const previous = interaction.session;
      if (previous?.accountId && previous.accountId !== accountId) {
        if (previous.cookie) await (await provider.Session.find(previous.cookie))?.destroy();
        interaction.session = undefined;
      }
      const grantId = await tp.createGrant({
        clientId: String(interaction.params.client_id),
        accountId,
        scope: String(interaction.params.scope ?? "openid"),
        orgId: org?.id,
      });
      await finish(res, interaction, { login: { accountId }, consent: { grantId } });
    } catch (err) {
      let error = "access_denied";
      let description: string;
      if (err instanceof LoginError) {
        error = err.error;
        description = err.description;
      } else if (err instanceof SamlError) {
        error = err.error;
        description = err.message;
      } else if (err instanceof joseErrors.JOSEError) {
        description = idTokenErrorText(err);
      } else if (err instanceof BrokerError) {
        error = err.error;
        description = err.message;
      } else {
        // Unexpected (a network failure, a bug): the application still gets an answer, without
        // internals in it; the details go to the tenant's console.
        console.error("local tenant: brokered login failed:", err instanceof Error ? err.message : err);
        error = "server_error";
        description = "the login could not be completed";
      }
      await finish(res, interaction, { error, error_description: description });
    }
  }

  const router = Router();

  router.post(
    "/login/callback",
    express.urlencoded({ extended: false, limit: "1mb" }),
    handler(async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.SAMLResponse !== "string") {
        return sendPage(res, 400, errorPage("Bad request", "Missing SAMLResponse."));
      }
      const p = take(body.RelayState);
      if (!p || !p.requestId) {
        return sendPage(
          res,
          400,
          errorPage(
            "Login not recognised",
            "This SAML response does not belong to a login in progress (IdP-initiated login is not enabled, or the login expired or was already completed).",
            "Start the login again from the application.",
          ),
        );
      }
      const samlResponse = body.SAMLResponse;
      await complete(res, p, async (connection) => {
        if (connection.strategy !== "samlp")
          throw new LoginError("invalid_request", "the connection is not a SAML connection");
        const profile = verifySamlResponse(samlResponse, { ctx, connection, requestId: p.requestId! });
        const mapped = mapSamlProfile(profile, samlOptions(connection).fieldsMap);
        const user = upsertUser(
          connection,
          `samlp|${connection.name}|${profile.nameId}`,
          { ...mapped, email_verified: false },
          { ...mapped.all, ...(mapped.groups ? { groups: mapped.groups } : {}), issuer: profile.issuer },
        );
        return user.user_id;
      });
    }),
  );

  router.get(
    "/login/callback",
    handler(async (req: Request, res: Response) => {
      const p = take(req.query.state);
      if (!p || !p.nonce) {
        return sendPage(
          res,
          400,
          errorPage(
            "Login not recognised",
            "This answer does not belong to a login in progress.",
            "Start the login again from the application.",
          ),
        );
      }
      await complete(res, p, async (connection) => {
        if (connection.strategy !== "oidc")
          throw new LoginError("invalid_request", "the connection is not an OIDC connection");
        if (typeof req.query.error === "string") {
          throw new BrokerError(
            req.query.error === "access_denied" ? "access_denied" : "invalid_request",
            String(req.query.error_description ?? req.query.error),
          );
        }
        const code = req.query.code;
        if (typeof code !== "string" || !code)
          throw new BrokerError("invalid_request", "the identity provider sent no code");
        const opts = connection.options as OidcOptions;
        const endpoints = await oidcEndpoints(opts).catch((err: Error) => {
          throw new BrokerError("server_error", `could not read the OIDC configuration: ${err.message}`);
        });
        const form = new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: `${ctx.baseUrl}/login/callback`,
          client_id: opts.client_id ?? "",
          ...(opts.client_secret ? { client_secret: opts.client_secret } : {}),
          ...(p.codeVerifier ? { code_verifier: p.codeVerifier } : {}),
        });
        const tokenRes = await fetch(endpoints.token_endpoint, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: form,
          signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        }).catch((err: Error) => {
          throw new BrokerError("server_error", `the identity provider's token endpoint failed: ${err.message}`);
        });
        const tokens = (await tokenRes.json().catch(() => ({}))) as Record<string, unknown>;
        if (!tokenRes.ok) {
          // Auth0 (support article, log sample): an IdP answering 401 with a challenge gives
          // oauth4webapi's text. Otherwise the IdP's own error and description (never a secret).
          if (tokenRes.status === 401 && tokenRes.headers.has("www-authenticate")) {
            throw new BrokerError(
              "access_denied",
              "server responded with a challenge in the WWW-Authenticate HTTP Header",
            );
          }
          throw new BrokerError(
            "access_denied",
            `${String(tokens.error ?? `the identity provider's token endpoint answered ${tokenRes.status}`)}${tokens.error_description ? ` (${String(tokens.error_description)})` : ""}`,
          );
        }
        if (typeof tokens.id_token !== "string")
          throw new BrokerError("access_denied", "the identity provider sent no ID token");
        let jwks = jwksCache.get(endpoints.jwks_uri);
        if (!jwks) jwksCache.set(endpoints.jwks_uri, (jwks = createRemoteJWKSet(new URL(endpoints.jwks_uri))));
        const { payload } = await jwtVerify(tokens.id_token, jwks, {
          currentDate: ctx.now(),
          clockTolerance: 60,
        });
        // openid-client's wording (the library family Auth0's OIDC strategy runs, per its log samples).
        if (payload.iss !== endpoints.issuer) {
          throw new BrokerError(
            "access_denied",
            `unexpected iss value, expected ${endpoints.issuer}, got: ${String(payload.iss)}`,
          );
        }
        const audiences = ([] as unknown[]).concat(payload.aud ?? []);
        if (!opts.client_id || !audiences.includes(opts.client_id)) {
          throw new BrokerError(
            "access_denied",
            `aud mismatch, expected ${String(opts.client_id)}, got: ${audiences.map(String).join(", ")}`,
          );
        }
        if (payload.nonce !== p.nonce) {
          throw new BrokerError("access_denied", `nonce mismatch, expected ${p.nonce}, got: ${String(payload.nonce)}`);
        }
        if (!payload.sub) throw new BrokerError("access_denied", "the ID token has no sub");
        const claims = payload as JWTPayload & Record<string, unknown>;
        const s = (k: string) => (typeof claims[k] === "string" ? (claims[k] as string) : undefined);
        const raw = Object.fromEntries(
          Object.entries(claims).filter(
            ([k]) =>
              !["iss", "aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "sid", "auth_time", "jti"].includes(k),
          ),
        );
        const user = upsertUser(
          connection,
          `oidc|${connection.name}|${payload.sub}`,
          {
            email: s("email"),
            email_verified: claims.email_verified === true,
            name: s("name"),
            given_name: s("given_name"),
            family_name: s("family_name"),
          },
          raw,
        );
        return user.user_id;
      });
    }),
  );

  // SP metadata for samlp connections (Auth0 serves it for any samlp connection name).
  router.get("/samlp/metadata", (req, res) => {
    const name = typeof req.query.connection === "string" ? req.query.connection : "";
    const connection = name ? ctx.store.connectionByName(name) : undefined;
    if (!connection || connection.strategy !== "samlp") {
      res.status(404).type("text/plain").send("connection not found");
      return;
    }
    res
      .type("application/xml")
      .set("Cache-Control", "no-store")
      .send(spMetadataXml(ctx, connection, spKey()));
  });

  return { start, router, spKey };
}

/** openid-client (v5) wording for an ID token that jose refused: what Auth0's log shows. */
function idTokenErrorText(err: InstanceType<typeof joseErrors.JOSEError>): string {
  if (err instanceof joseErrors.JWTExpired)
    return `JWT expired, now ${Math.floor(Date.now() / 1000)}, exp ${String(err.payload.exp)}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "failed to validate JWT signature";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "no valid key found in issuer's jwks_uri for key parameters";
  return `the ID token from the identity provider is invalid: ${err.message}`;
}

class BrokerError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}
