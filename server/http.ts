import type { ServerBuild } from "@remix-run/node";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { logger } from "~/services/platform/logger.server";
import type { TrustProxy } from "~/services/platform/env.server";
import { getPublicUrl } from "~/services/platform/public-url.server";
import { getTenantConfig } from "~/services/platform/tenant-config.server";
import { requestContext, requestIdFrom } from "~/services/platform/request-context.server";
import { maskSecretPath } from "~/services/platform/secret-paths";
import { publicHostGuard } from "./public-host";
import { remixHandler } from "./remix-handler";
import { observeHttpRequest } from "~/services/monitoring/metrics.server";
import { createRouteLabeler, type RouteLabeler } from "./route-label";
import { sameOriginGuard } from "./same-origin";

/** Largest request body the portal reads: metadata uploads are capped at 1 MB, forms are small. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_BODY_TEXT = `${MAX_BODY_BYTES / 1024 / 1024} MB`;

/** Paths whose segments are secrets (setup-link tokens) are logged with the secret masked. */
export function loggablePath(url: string): string {
  return maskSecretPath(url);
}

/** The tenant's origin, where sign-out forms end up; none while no tenant is configured. */
function formTargets(): string[] {
  try {
    return [new URL(getTenantConfig().issuer).origin];
  } catch {
    return [];
  }
}

export interface PortalAppOptions {
  /** A production build, or a function that loads the build per request (dev server). */
  build: ServerBuild | (() => Promise<ServerBuild>);
  /** Directory with the built client assets (production). */
  clientDir?: string;
  /** Vite's middlewares (development). */
  viteMiddlewares?: express.RequestHandler;
  /** Marks cookies Secure and sends HSTS. */
  secure: boolean;
  /** The portal's public URL (PUBLIC_URL, or what startPortal registered): the one truth for origins. */
  publicUrl?: () => string;
  /** Local mode: another host name of this machine is redirected to the public URL's host. */
  localMode?: boolean;
  /** Which proxies' X-Forwarded-* headers are believed (TRUST_PROXY); none by default. */
  trustProxy?: TrustProxy;
}

export function createPortalApp(options: PortalAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? false);
  const publicUrl = options.publicUrl ?? getPublicUrl;
  const publicOrigin = () => new URL(publicUrl()).origin;

  // Request id and per-request context for logs and audit rows.
  app.use((req, res, next) => {
    const requestId = requestIdFrom(req.get("x-request-id"));
    res.setHeader("x-request-id", requestId);
    res.locals.requestId = requestId;
    res.locals.cspNonce = randomBytes(16).toString("base64");
    requestContext.run({ requestId, ip: req.ip, userAgent: req.get("user-agent") }, () => next());
  });

  // Metrics label requests by route pattern; the dev server's build changes, so it has none.
  const routeOf: RouteLabeler =
    typeof options.build === "function" ? () => "dev" : createRouteLabeler(options.build.routes);
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = req.path.startsWith("/assets/") ? "/assets/*" : routeOf(req.path);
      observeHttpRequest(route, req.method, res.statusCode, ms / 1000);
      const line = {
        method: req.method,
        path: loggablePath(req.originalUrl),
        status: res.statusCode,
        ms: Math.round(ms),
      };
      if (res.statusCode >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    });
    next();
  });

  app.use((req, res, next) => {
    const nonce = res.locals.cspNonce as string;
    res.setHeader(
      "Content-Security-Policy",
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        // Sign-out posts to the portal, which redirects to the tenant's /v2/logout (Chromium
        // applies form-action to the redirects after a form post): the portal and the tenant only.
        `form-action ${["'self'", ...formTargets()].join(" ")}`,
        "object-src 'none'",
      ].join("; "),
    );
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (options.secure) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    next();
  });

  // The address asked for against PUBLIC_URL, before anything is set (server/public-host.ts).
  app.use(publicHostGuard(publicUrl, options.localMode ?? false));

  // Refuse oversized bodies before anything reads them. A body without a Content-Length
  // (Transfer-Encoding: chunked) would be read whole by Remix's formData() whatever its size, so
  // it is refused: browsers always send a Content-Length with a form or fetch body.
  app.use((req, res, next) => {
    if (req.get("transfer-encoding") !== undefined && req.get("content-length") === undefined) {
      res
        .status(411)
        .set("Connection", "close")
        .type("text/plain")
        .send(`The request has no Content-Length. Send the body with its length (at most ${MAX_BODY_TEXT}).`);
      return;
    }
    const length = Number(req.get("content-length") ?? "0");
    if (length > MAX_BODY_BYTES) {
      res.status(413).type("text/plain").send(`The request is too large. The limit is ${MAX_BODY_TEXT}.`);
      return;
    }
    next();
  });

  if (options.viteMiddlewares) {
    app.use(options.viteMiddlewares);
  } else if (options.clientDir) {
    app.use(
      "/assets",
      express.static(resolve(options.clientDir, "assets"), { immutable: true, maxAge: "1y", index: false }),
    );
    // The other public files (favicon…): only their own paths reach the file system, so a page
    // request does not cost a failed stat() first (measured: ~0.9 ms of CPU per page under load).
    const publicFiles = express.static(options.clientDir, { maxAge: "1h", index: false });
    const topLevel = new Set(
      (existsSync(options.clientDir) ? readdirSync(options.clientDir) : [])
        .filter((name) => name !== "assets")
        .map((name) => `/${name}`),
    );
    app.use((req, res, next) =>
      topLevel.has(`/${req.path.split("/")[1] ?? ""}`) ? publicFiles(req, res, next) : next(),
    );
  }

  // CSRF: every non-GET request must come from the portal's own origin (server/same-origin.ts).
  app.use(sameOriginGuard(publicOrigin));

  // Pages and data show members, e-mails and setup links: no browser or proxy keeps a copy (the
  // Back button after sign-out, a shared machine). Built assets above keep their long caching.
  app.use((_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  app.all(
    "*",
    remixHandler({
      build: options.build,
      mode: options.viteMiddlewares ? "development" : "production",
      publicUrl,
      maxBodyBytes: MAX_BODY_BYTES,
      getLoadContext: (res) => ({
        requestId: res.locals.requestId as string,
        cspNonce: res.locals.cspNonce as string,
      }),
    }),
  );

  // Last resort: an error that escaped Remix. Log it with the request id; show no internals.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "unhandled error");
    if (!res.headersSent) res.status(500).type("text/plain").send("Something went wrong on our side.");
  });
  return app;
}
