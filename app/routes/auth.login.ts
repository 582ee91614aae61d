import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { loginCookie, startLogin } from "~/services/identity/oidc.server";
import { sanitizeReturnTo } from "~/services/identity/return-to";
import { logger } from "~/services/platform/logger.server";

/**
 * GET /auth/login?returnTo=/path — starts an OIDC sign-in at the tenant. `returnTo` is kept only
 * when it is a path inside the portal (anything else becomes /orgs). It always goes to the
 * tenant, even with a session cookie present: that cookie may have been planted, and the callback
 * replaces it (the tenant's own session makes this seamless for someone already signed in).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const returnTo = sanitizeReturnTo(url.searchParams.get("returnTo"));
  try {
    const { url: authorizeUrl, pending } = await startLogin(returnTo);
    return redirect(authorizeUrl.toString(), {
      headers: { "Set-Cookie": await loginCookie().serialize(pending), "Cache-Control": "no-store" },
    });
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "sign-in could not start");
    throw new Response(
      "The sign-in service cannot be reached right now. Please try again in a moment; if it persists, tell your support contact.",
      { status: 503, headers: { "content-type": "text/plain; charset=utf-8" } },
    );
  }
}
