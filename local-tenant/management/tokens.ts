import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from "express";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { TenantContext } from "../context.js";
import { handler } from "./async-handler.js";
import { ApiError } from "./errors.js";

/**
 * `POST /oauth/token` for client credentials, and bearer-token checks for /api/v2.
 * Tokens are HS256 JWTs signed with a key that lives as long as the process: a restarted tenant
 * invalidates old tokens, as a rotated Auth0 signing key would, and the SDK simply fetches a new one.
 */

export const TOKEN_LIFETIME_SECONDS = 86_400;

export interface ManagementToken {
  clientId: string;
  scopes: Set<string>;
}

export interface TokenIssuer {
  tokenEndpoint: RequestHandler[];
  authenticate: RequestHandler;
}

function oauthError(res: Response, status: number, error: string, description: string): void {
  // Auth0's Authentication API errors are OAuth-shaped, not Boom-shaped.
  res.status(status).set("Cache-Control", "no-store").json({ error, error_description: description });
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

export function createTokenIssuer(ctx: TenantContext): TokenIssuer {
  const key = new Uint8Array(randomBytes(32));
  // The SDK's ManagementClient always asks for `https://<domain>/api/v2/`; the tenant serves plain
  // http behind a fetch that rewrites the scheme, so that spelling names the same API.
  const acceptedAudiences = new Set([ctx.audience, `https://${new URL(ctx.baseUrl).host}/api/v2/`]);

  const issue: RequestHandler = async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const grantType = body.grant_type;
    // Everything but client credentials belongs to the login half mounted after us, which reads
    // the already-parsed req.body.
    if (grantType !== "client_credentials") {
      if (grantType === undefined) {
        return oauthError(res, 400, "invalid_request", "Missing required parameter: grant_type");
      }
      return next();
    }
    const basic = basicCredentials(req.headers.authorization);
    const clientId = typeof body.client_id === "string" ? body.client_id : basic?.id;
    const clientSecret = typeof body.client_secret === "string" ? body.client_secret : basic?.secret;
    if (!clientId) return oauthError(res, 401, "access_denied", "Unauthorized");
    const client = ctx.store.client(clientId);
    if (!client || !clientSecret || !sameSecret(client.client_secret, clientSecret)) {
      return oauthError(res, 401, "access_denied", "Unauthorized");
    }
    if (!client.grant_types.includes("client_credentials")) {
      return oauthError(res, 403, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client.");
    }
    const audience = typeof body.audience === "string" ? body.audience : undefined;
    if (!audience) {
      return oauthError(res, 403, "access_denied", "Non-global clients are not allowed access to APIv1");
    }
    if (!acceptedAudiences.has(audience)) {
      return oauthError(res, 403, "access_denied", `Service not enabled within domain: ${audience}`);
    }
    // Grants persist in the data dir with the audience of the port they were seeded on; the
    // tenant has one API, so a grant for any `/api/v2/` audience is a grant for this one.
    const grant = client.client_grants.find((g) => g.audience === ctx.audience || g.audience.endsWith("/api/v2/"));
    if (!grant) {
      return oauthError(
        res,
        403,
        "access_denied",
        `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
      );
    }
    // A `scope` parameter narrows the token to the requested subset of what the grant allows.
    const requested = typeof body.scope === "string" ? body.scope.split(" ").filter(Boolean) : undefined;
    const scopes = requested ? grant.scope.filter((s) => requested.includes(s)) : grant.scope;
    const now = Math.floor(ctx.now().getTime() / 1000);
    try {
      const accessToken = await new SignJWT({
        scope: scopes.join(" "),
        gty: "client-credentials",
        azp: client.client_id,
      })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuer(ctx.issuer)
        .setSubject(`${client.client_id}@clients`)
        .setAudience(ctx.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
        .sign(key);
      res.set("Cache-Control", "no-store").json({
        access_token: accessToken,
        scope: scopes.join(" "),
        expires_in: TOKEN_LIFETIME_SECONDS,
        token_type: "Bearer",
      });
    } catch (err) {
      next(err);
    }
  };

  const authenticate: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header) return next(new ApiError(401, "Missing authentication"));
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(new ApiError(401, "Bad HTTP authentication header format"));
    try {
      const { payload } = await jwtVerify(match[1]!, key, {
        issuer: ctx.issuer,
        currentDate: ctx.now(),
        algorithms: ["HS256"],
      });
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!aud.includes(ctx.audience)) return next(new ApiError(401, `Bad audience: ${aud.join(" ")}`));
      const token: ManagementToken = {
        clientId: String(payload.azp ?? payload.sub ?? ""),
        scopes: new Set(
          String(payload.scope ?? "")
            .split(" ")
            .filter(Boolean),
        ),
      };
      res.locals.token = token;
      next();
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        return next(new ApiError(401, "Expired token received for JSON Web Token validation"));
      }
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
        return next(new ApiError(401, "Invalid signature received for JSON Web Token validation"));
      }
      next(new ApiError(401, "Invalid token", undefined, { attributes: { error: "Invalid token" } }));
    }
  };

  const parsers = [express.urlencoded({ extended: false, limit: "1mb" }), express.json({ limit: "1mb" })];
  return { tokenEndpoint: [...parsers, issue], authenticate };
}

export function tokenOf(res: Response): ManagementToken {
  const token = res.locals.token as ManagementToken | undefined;
  if (!token) throw new ApiError(401, "Missing authentication");
  return token;
}

/**
 * Scope guard. Connection operations word the 403 "Insufficient scope, expected any of: x";
 * organization and client operations "Insufficient scope; expected any of: x." (as in Auth0's OAS).
 */
export function requireScope(style: "comma" | "semicolon", ...anyOf: string[]): RequestHandler {
  return (_req, res, next) => {
    const token = tokenOf(res);
    if (anyOf.some((s) => token.scopes.has(s))) return next();
    const message =
      style === "comma"
        ? `Insufficient scope, expected any of: ${anyOf.join(",")}`
        : `Insufficient scope; expected any of: ${anyOf.join(", ")}.`;
    next(new ApiError(403, message, "insufficient_scope"));
  };
}

type RouteHandler = (req: Request, res: Response) => Promise<void> | void;
type ScopedRoute = (path: string, anyOfScopes: readonly string[], fn: RouteHandler) => void;

/**
 * The routes of one Management API family (connections and users word a missing scope the
 * "comma" way, organizations and clients the "semicolon" way): each names the scopes that may call
 * it, runs behind requireScope, and sends what it throws to the error handler.
 */
export function scopedRoutes(router: Router, style: "comma" | "semicolon") {
  const route =
    (method: "get" | "post" | "patch" | "delete"): ScopedRoute =>
    (path, anyOfScopes, fn) => {
      router[method](path, requireScope(style, ...anyOfScopes), handler(fn));
    };
  return { get: route("get"), post: route("post"), patch: route("patch"), delete: route("delete") };
}

/** Compares secrets in constant time (digests, so that lengths do not matter either). */
function sameSecret(expected: string | undefined, sent: string): boolean {
  if (!expected) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(expected), digest(sent));
}
