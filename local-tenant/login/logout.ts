import { Router, type Request } from "express";
import type { TenantContext } from "../context.js";
import { handler } from "../management/async-handler.js";
import { errorPage, page, sendPage } from "./pages.js";
import type { TenantProvider } from "./provider.js";

/**
 * `GET /v2/logout?client_id=…&returnTo=…`, as Auth0: ends the tenant's SSO session, then
 * redirects to `returnTo` only when it is one of the application's Allowed Logout URLs (compared
 * exactly, after URL normalisation); without `returnTo` it goes to the first allowed URL.
 */

export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function normalise(url: string): string | undefined {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

export function logoutRouter(ctx: TenantContext, tp: TenantProvider): Router {
  const router = Router();
  const sessionCookie = tp.provider.cookieName("session");

  router.get(
    "/v2/logout",
    handler(async (req, res) => {
      const clientId = typeof req.query.client_id === "string" ? req.query.client_id : undefined;
      const returnTo = typeof req.query.returnTo === "string" ? req.query.returnTo : undefined;
      const client = clientId ? ctx.store.client(clientId) : undefined;

      let target: string | undefined;
      if (returnTo !== undefined) {
        const wanted = normalise(returnTo);
        const allowed = (client?.allowed_logout_urls ?? []).map(normalise);
        if (!wanted || !allowed.includes(wanted)) {
          // Auth0's wording; the session is left alone, as Auth0 does when it refuses.
          const where = client ? `"Allowed Logout URLs" of the application ${client.name}` : `"Allowed Logout URLs"`;
          return sendPage(
            res,
            400,
            errorPage(
              "Logout URL not allowed",
              `invalid_request: The "returnTo" querystring parameter "${returnTo}" is not defined as a valid URL in ${where}.`,
              clientId && !client
                ? `There is no application with the client_id ${clientId}.`
                : "Add the URL to the application's Allowed Logout URLs, or pass client_id with an application that lists it.",
            ),
          );
        }
        target = wanted;
      } else {
        target = client?.allowed_logout_urls[0];
      }

      // oidc-provider also sets `<name>.legacy` (no SameSite); over plain http browsers refuse the
      // SameSite=None cookie and keep only the legacy one, so both must be read and cleared.
      const sid = cookieValue(req, sessionCookie) ?? cookieValue(req, `${sessionCookie}.legacy`);
      if (sid) {
        const session = await tp.provider.Session.find(sid);
        await session?.destroy();
      }
      for (const name of [sessionCookie, `${sessionCookie}.legacy`])
        for (const suffix of ["", ".sig"]) res.clearCookie(`${name}${suffix}`, { path: "/" });
      res.set("Cache-Control", "no-store");
      if (target) return res.redirect(302, target);
      sendPage(res, 200, page("Signed out", "<h1>Signed out</h1><p>You are signed out of the tenant.</p>"));
    }),
  );
  return router;
}
