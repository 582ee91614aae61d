import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { requireOrgMember } from "~/services/identity/guards.server";
import { logger } from "~/services/platform/logger.server";
import { startTestLogin, testLoginCookie } from "~/services/test-login/test-login.server";

/**
 * GET /orgs/<slug>/sso/test-login — starts a test login of the staged version and sends the
 * browser to the tenant (and on to the customer's IdP). A link, not a form: the portal's CSP
 * `form-action` would stop a form post's redirects at the IdP's origin, which can be anywhere.
 * Followed from another site (`Sec-Fetch-Site: cross-site`) it is refused: only the portal's own
 * page starts a test.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  if (request.headers.get("sec-fetch-site") === "cross-site") {
    throw new Response("Start the test login from your SSO page.", { status: 403 });
  }
  let started;
  try {
    started = await startTestLogin(scope);
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "test login could not start");
    throw new Response("The sign-in service cannot be reached right now. Try again in a moment.", { status: 503 });
  }
  if (!started.ok) {
    return redirect(`/orgs/${scope.org.slug}/sso/live?problem=no-staged-version`, {
      headers: { "Cache-Control": "no-store" },
    });
  }
  return redirect(started.url.toString(), {
    headers: { "Set-Cookie": await testLoginCookie().serialize(started.pending), "Cache-Control": "no-store" },
  });
}
