import express, { Router, type NextFunction, type Request, type Response } from "express";
import type { TenantContext } from "../context.js";
import { clientsRouter } from "./clients.js";
import { connectionsRouter, type ConnectionsRouterOptions } from "./connections.js";
import { apiErrorHandler, ApiError } from "./errors.js";
import { organizationsRouter } from "./organizations.js";
import { latencyMiddleware } from "./latency.js";
import { rateLimiter } from "./rate-limit.js";
import { createTokenIssuer } from "./tokens.js";
import { usersRouter } from "./users.js";

/** Management API v2 (`/api/v2/...`) and the client-credentials part of `/oauth/token`. */
export function managementRouter(ctx: TenantContext, opts: ConnectionsRouterOptions = {}): Router {
  const router = Router();
  const tokens = createTokenIssuer(ctx);

  router.post("/oauth/token", ...tokens.tokenEndpoint);
  // Body-parser failures on /oauth/token answer in the Authentication API's OAuth error shape.
  router.use("/oauth/token", (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string };
    if (e.type === "entity.parse.failed" || e.type === "entity.too.large") {
      res.status(400).json({ error: "invalid_request", error_description: "Invalid request body" });
      return;
    }
    next(err);
  });

  const api = Router();
  // Auth0's latency first (on a timer): the request reaches the rate limiter when it "arrives".
  api.use(latencyMiddleware(ctx));
  // Every /api/v2 response carries the rate-limit headers, errors included, so the bucket runs first.
  api.use(rateLimiter(ctx));
  api.use(tokens.authenticate);
  // Auth0 (hapi) answers 415 to a body that is not JSON rather than reading it as empty.
  api.use((req, _res, next) => {
    const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
    if (hasBody && !req.is(["application/json", "application/*+json"])) {
      return next(new ApiError(415, "Unsupported Media Type"));
    }
    next();
  });
  // Auth0: "every endpoint accepts a maximum payload of 1 MB".
  api.use(express.json({ limit: "1mb", strict: false }));
  api.use(connectionsRouter(ctx, opts));
  api.use(clientsRouter(ctx));
  api.use(organizationsRouter(ctx));
  api.use(usersRouter(ctx));
  api.use((_req, _res, next) => next(new ApiError(404, "Not Found")));
  api.use(apiErrorHandler);
  router.use("/api/v2", api);
  return router;
}
