import type { ServerBuild } from "@remix-run/node";
import { existsSync, readdirSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import serveStatic from "serve-static";
import { logger } from "~/services/platform/logger.server";
import type { TrustProxy } from "~/services/platform/env.server";
import { getPublicUrl } from "~/services/platform/public-url.server";
import { getTenantConfig } from "~/services/platform/tenant-config.server";
import { requestContext, requestIdFrom } from "~/services/platform/request-context.server";
import { maskSecretPath } from "~/services/platform/secret-paths";
import { header, sendText } from "./plain-http";
import { cspNonce } from "./csp-nonce";
import { parsedUrl, publicHostGuard } from "./public-host";
import { remixHandler } from "./remix-handler";
import { observeHttpRequest } from "~/services/monitoring/metrics.server";
import { createRouteLabeler, type RouteLabeler } from "./route-label";
import { sameOriginGuard } from "./same-origin";
import { clientAddress, compileTrust } from "./trust-proxy";

/** Largest request body the portal reads: metadata uploads are capped at 1 MB, forms are small. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_BODY_TEXT = `${MAX_BODY_BYTES / 1024 / 1024} MB`;

/** Paths whose segments are secrets (setup-link tokens) are logged with the secret masked. */
export function loggablePath(url: string): string {
  return maskSecretPath(url);
}

/** A connect-style middleware (Vite's, serve-static's): calls `next` when it does not answer. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The portal as Node's "request" listener: `http.createServer(createPortalApp(options))`. */
export type PortalApp = (req: IncomingMessage, res: ServerResponse) => void;

export interface PortalAppOptions {
  /** A production build, or a function that loads the build per request (dev server). */
  build: ServerBuild | (() => Promise<ServerBuild>);
  /** Directory with the built client assets (production). */
  clientDir?: string;
  /** Vite's middlewares (development). */
  viteMiddlewares?: Middleware;
  /** Marks cookies Secure and sends HSTS. */
  secure: boolean;
  /** The portal's public URL (PUBLIC_URL, or what startPortal registered): the one truth for origins. */
  publicUrl?: () => string;
  /** Local mode: another host name of this machine is redirected to the public URL's host. */
  localMode?: boolean;
  /** Which proxies' X-Forwarded-* headers are believed (TRUST_PROXY); none by default. */
  trustProxy?: TrustProxy;
}

/**
 * The request target as a path with its query. Browsers send the origin form ("/orgs/acme?x");
 * an absolute form ("http://host/orgs/acme", which a server must accept) is the same request for
 * its path: its authority is believed no more than a Host header (PUBLIC_URL is the one truth).
 * Anything else ("*", "evil.com/x") is no path at all: undefined.
 */
export function originFormTarget(target: string): string | undefined {
  if (target.charCodeAt(0) === 47 /* / */) return target;
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

/** The path of an origin-form target: what Express called req.path (no query, no fragment). */
export function pathOf(target: string): string {
  const query = target.indexOf("?");
  const path = query === -1 ? target : target.slice(0, query);
  const hash = path.indexOf("#");
  return hash === -1 ? path : path.slice(0, hash);
}

/** The Content-Security-Policy around a nonce: built once per tenant issuer, not per request. */
function cspBuilder(): (nonce: string) => string {
  let issuer: string | undefined | null = null;
  let tail = "";
  return (nonce) => {
    let current: string | undefined;
    try {
      current = getTenantConfig().issuer;
    } catch {
      current = undefined;
    }
    if (current !== issuer) {
      issuer = current;
      // The tenant's origin, where sign-out forms end up; none while no tenant is configured.
      let formTargets: string[] = [];
      try {
        if (current !== undefined) formTargets = [new URL(current).origin];
      } catch {
        formTargets = [];
      }
      tail = [
        "",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        // Sign-out posts to the portal, which redirects to the tenant's /v2/logout (Chromium
        // applies form-action to the redirects after a form post): the portal and the tenant only.
        `form-action ${["'self'", ...formTargets].join(" ")}`,
        "object-src 'none'",
      ].join("; ");
    }
    return `default-src 'self'; script-src 'self' 'nonce-${nonce}'${tail}`;
  };
}

/**
 * The portal's HTTP pipeline on Node's own req/res (ADR 026), in order: request id and context,
 * metrics and request log, security headers, the public host guard, body limits, static files,
 * the same-origin guard, no-store, then Remix; an error that escapes any of them is a plain 500.
 */
export function createPortalApp(options: PortalAppOptions): PortalApp {
  const trust = compileTrust(options.trustProxy ?? false);
  const publicUrl = parsedUrl(options.publicUrl ?? getPublicUrl);
  const publicOrigin = () => publicUrl().origin;
  const csp = cspBuilder();
  const hostGuard = publicHostGuard(publicUrl, options.localMode ?? false, trust);
  const originGuard = sameOriginGuard(publicOrigin);

  // Metrics label requests by route pattern; the dev server's build changes, so it has none.
  const routeOf: RouteLabeler =
    typeof options.build === "function" ? () => "dev" : createRouteLabeler(options.build.routes);

  const handleRemix = remixHandler({
    build: options.build,
    mode: options.viteMiddlewares ? "development" : "production",
    publicUrl,
    maxBodyBytes: MAX_BODY_BYTES,
  });

  // Last resort: an error that escaped Remix. Log it with the request id; show no internals.
  const fail = (res: ServerResponse, err: unknown): void => {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "unhandled error");
    if (!res.headersSent) sendText(res, 500, "Something went wrong on our side.");
    else if (!res.writableEnded) res.destroy();
  };

  // Static files (production): built assets under /assets, and the other public files.
  let serveFiles: ((req: IncomingMessage, res: ServerResponse, path: string, next: () => void) => void) | undefined;
  if (options.viteMiddlewares) {
    const vite = options.viteMiddlewares;
    serveFiles = (req, res, _path, next) => vite(req, res, (err) => (err ? fail(res, err) : next()));
  } else if (options.clientDir) {
    // `redirect: false`: a directory (/assets, /assets/) is not a file: the page's 404, not a 301.
    const assets = serveStatic<ServerResponse>(resolve(options.clientDir, "assets"), {
      immutable: true,
      maxAge: "1y",
      index: false,
      redirect: false,
    });
    // The other public files (favicon…): only their own paths reach the file system, so a page
    // request does not cost a failed stat() first (measured: ~0.9 ms of CPU per page under load).
    const publicFiles = serveStatic<ServerResponse>(options.clientDir, { maxAge: "1h", index: false });
    const topLevel = new Set(
      (existsSync(options.clientDir) ? readdirSync(options.clientDir) : [])
        .filter((name) => name !== "assets")
        .map((name) => `/${name}`),
    );
    serveFiles = (req, res, path, next) => {
      if (isUnderAssets(path)) {
        // As Express mounted it at /assets (any case): the file's path below it, restored if it is not there.
        const url = req.url!;
        const rest = url.slice("/assets".length);
        req.url = rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
        assets(req, res, (err?: unknown) => {
          req.url = url;
          if (err) fail(res, err);
          else next();
        });
        return;
      }
      const slash = path.indexOf("/", 1);
      if (!topLevel.has(slash === -1 ? path : path.slice(0, slash))) return next();
      publicFiles(req, res, (err?: unknown) => (err ? fail(res, err) : next()));
    };
  }

  /** Everything after the request context is set; `target` is req.url, `path` its path. */
  const handle = (req: IncomingMessage, res: ServerResponse, requestId: string, nonce: string): void => {
    const target = req.url ?? "/";
    const path = pathOf(target);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = path.startsWith("/assets/") ? "/assets/*" : routeOf(path);
      observeHttpRequest(route, req.method ?? "", res.statusCode, ms / 1000);
      const line = { method: req.method, path: loggablePath(target), status: res.statusCode, ms: Math.round(ms) };
      if (res.statusCode >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    });

    res.setHeader("Content-Security-Policy", csp(nonce));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (options.secure) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");

    // A target that names no path ("*"): nothing here answers it.
    if (target.charCodeAt(0) !== 47) {
      sendText(res, 400, "The request names no path on the portal.");
      return;
    }
    // The address asked for against PUBLIC_URL, before anything is set (server/public-host.ts).
    if (!hostGuard(req, res, path)) return;

    // Refuse oversized bodies before anything reads them. A body without a Content-Length
    // (Transfer-Encoding: chunked) would be read whole by Remix's formData() whatever its size, so
    // it is refused: browsers always send a Content-Length with a form or fetch body.
    const contentLength = req.headers["content-length"];
    if (req.headers["transfer-encoding"] !== undefined && contentLength === undefined) {
      sendText(
        res,
        411,
        `The request has no Content-Length. Send the body with its length (at most ${MAX_BODY_TEXT}).`,
        { Connection: "close" },
      );
      return;
    }
    if (Number(contentLength ?? "0") > MAX_BODY_BYTES) {
      sendText(res, 413, `The request is too large. The limit is ${MAX_BODY_TEXT}.`);
      return;
    }

    if (serveFiles) serveFiles(req, res, path, () => afterFiles(req, res, path, requestId, nonce));
    else afterFiles(req, res, path, requestId, nonce);
  };

  const afterFiles = (req: IncomingMessage, res: ServerResponse, path: string, requestId: string, nonce: string) => {
    // CSRF: every non-GET request must come from the portal's own origin (server/same-origin.ts).
    if (!originGuard(req, res, path)) return;
    // Pages and data show members, e-mails and setup links: no browser or proxy keeps a copy (the
    // Back button after sign-out, a shared machine). Built assets above keep their long caching.
    res.setHeader("Cache-Control", "no-store");
    handleRemix(req, res, path, { requestId, cspNonce: nonce }).catch((err: unknown) => fail(res, err));
  };

  return (req, res) => {
    try {
      // An absolute-form target is handled as its path; every later step sees a path in req.url.
      const target = req.url ?? "/";
      if (target.charCodeAt(0) !== 47) req.url = originFormTarget(target) ?? target;
      // Request id and per-request context for logs and audit rows.
      const requestId = requestIdFrom(header(req, "x-request-id"));
      res.setHeader("x-request-id", requestId);
      const nonce = cspNonce();
      const context = {
        requestId,
        ip: clientAddress(req, trust),
        userAgent: req.headers["user-agent"],
      };
      requestContext.run(context, () => {
        try {
          handle(req, res, requestId, nonce);
        } catch (err) {
          fail(res, err);
        }
      });
    } catch (err) {
      fail(res, err);
    }
  };
}

/** "/assets" or below it, in any case (Express matched its mount path case-insensitively). */
function isUnderAssets(path: string): boolean {
  if (path.length < 7 || (path.length > 7 && path.charCodeAt(7) !== 47)) return false;
  const head = path.slice(0, 7);
  return head === "/assets" || head.toLowerCase() === "/assets";
}
