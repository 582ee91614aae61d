import type { Express, NextFunction, Request, Response } from "express";
import type { TenantContext } from "../context.js";
import { logoutRouter } from "./logout.js";
import { createTenantProvider } from "./provider.js";
import { universalLoginRouter } from "./universal-login.js";

/**
 * Logins: the OpenID provider (discovery, JWKS, /authorize, /oauth/token for the code and
 * refresh-token grants, /userinfo), universal login, /v2/logout, enterprise brokering and
 * /samlp/metadata. Mounted after the Management API, whose /oauth/token handler answers
 * client_credentials itself and passes the other grants on with the body already parsed.
 */
export async function mountLogins(app: Express, ctx: TenantContext): Promise<void> {
  const tp = await createTenantProvider(ctx);
  app.use(universalLoginRouter(ctx, tp));
  app.use(logoutRouter(ctx, tp));
  app.post("/oauth/token", tokenRequestAsAuth0Accepts(ctx));
  app.use(tp.provider.callback());
}

/**
 * Auth0 accepts client credentials in the body or as HTTP Basic, and JSON or form bodies, for
 * every application; oidc-provider wants one registered method and form bodies. Turn what
 * Auth0 accepts into the form oidc-provider expects (the body is already parsed upstream).
 */
function tokenRequestAsAuth0Accepts(_ctx: TenantContext) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const header = req.headers.authorization;
    if (header?.startsWith("Basic ") && body.client_secret === undefined) {
      const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        body.client_id = decodeURIComponent(decoded.slice(0, colon));
        body.client_secret = decodeURIComponent(decoded.slice(colon + 1));
        delete req.headers.authorization;
      }
    }
    req.body = body;
    if (req.is("application/json")) req.headers["content-type"] = "application/x-www-form-urlencoded";
    next();
  };
}
