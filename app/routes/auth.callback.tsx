import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { recordAudit } from "~/services/audit/audit.server";
import { recordSignInRefusal } from "~/services/audit/security-log.server";
import { sanitizeReturnTo } from "~/services/identity/return-to";
import { finishLogin, isPendingLogin, loginCookie } from "~/services/identity/oidc.server";
import {
  createSession,
  revokeSession,
  sessionIdHashFrom,
  sweepExpiredSessions,
} from "~/services/identity/session.server";
import { supportRoleFromClaims } from "~/services/identity/vendor-roles.server";
import { getDb } from "~/services/platform/db.server";
import { getEnv } from "~/services/platform/env.server";
import { logger } from "~/services/platform/logger.server";
import { SignInRefused, upsertUserFromClaims } from "~/services/identity/users.server";

/**
 * GET /auth/callback — the tenant sends the browser back here with a code. The code is exchanged,
 * the ID token validated, the user found or created, any session this browser had is revoked and
 * a new one made (no fixation), and the browser goes to the kept `returnTo`.
 */
async function fail(status: number, message: string, audit: Record<string, unknown>, clear: string): Promise<never> {
  // A failed sign-in belongs to nobody's organization: support's security log, counted per hour,
  // so a flood of forged callbacks costs one row and pushes no real event off the console.
  await recordSignInRefusal({
    actorLabel: typeof audit.email === "string" ? audit.email : "anonymous",
    status,
    reason: typeof audit.reason === "string" ? audit.reason : "refused",
  });
  throw new Response(message, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "Set-Cookie": clear, "Cache-Control": "no-store" },
  });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const pending: unknown = await loginCookie().parse(request.headers.get("cookie"));
  const clearLogin = await loginCookie().serialize("", { maxAge: 0, expires: new Date(0) });

  const error = url.searchParams.get("error");
  if (error) {
    // Anyone can link to this page with any error_description: it is shown only when the answer
    // carries the state of the sign-in this browser started (it then comes from the tenant).
    const fromOurLogin = isPendingLogin(pending) && url.searchParams.get("state") === pending.state;
    const code = /^[a-z_]{1,40}$/.test(error) ? error : "error";
    const description = fromOurLogin ? (url.searchParams.get("error_description") ?? "").slice(0, 200) : "";
    return fail(
      400,
      `Sign-in did not complete: ${description || code}. Start again from the sign-in link.`,
      { reason: "tenant_error", error: error.slice(0, 60), ...(fromOurLogin ? {} : { unsolicited: true }) },
      clearLogin,
    );
  }
  if (!isPendingLogin(pending)) {
    return fail(
      400,
      "This sign-in expired or was started in another browser. Start again from the sign-in link.",
      { reason: "no_pending_login" },
      clearLogin,
    );
  }

  let claims;
  try {
    ({ claims } = await finishLogin(url.search, pending));
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, "sign-in callback refused");
    return fail(
      400,
      "The sign-in response could not be verified. Start again from the sign-in link.",
      { reason: "invalid_response" },
      clearLogin,
    );
  }

  let user;
  try {
    user = await upsertUserFromClaims({
      sub: claims.sub,
      email: claims.email,
      email_verified: claims.email_verified,
      name: claims.name,
    });
  } catch (err) {
    if (err instanceof SignInRefused)
      return fail(403, err.message, { reason: err.reason, email: claims.email, sub: claims.sub }, clearLogin);
    throw err;
  }

  const previous = await sessionIdHashFrom(request);
  if (previous) await revokeSession(previous);
  // The tokens are not kept: Auth0's /v2/logout needs none, and what is not stored cannot leak.
  const { setCookie } = await createSession(user.id, {
    supportRoleClaim: supportRoleFromClaims(claims, getEnv().SUPPORT_ROLE_CLAIM),
    emailVerified: claims.email_verified === true,
  });
  await recordAudit(await getDb(), {
    actorUserId: user.id,
    actorLabel: user.email,
    action: "session.sign_in",
    target: user.email,
    details: { sub: user.sub },
  });
  void sweepExpiredSessions().catch(() => undefined);

  const headers = new Headers({ "Cache-Control": "no-store" });
  headers.append("Set-Cookie", clearLogin);
  headers.append("Set-Cookie", setCookie);
  // Decided again where the redirect is issued: the cookie is signed, but what /auth/login kept
  // must still be a portal path by today's rule.
  return redirect(sanitizeReturnTo(pending.returnTo), { headers });
}

export default function Callback() {
  return null;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : "Sign-in failed.";
  return (
    <section className="error-page" aria-labelledby="signin-error-title">
      <h1 id="signin-error-title">Sign-in did not complete</h1>
      <p role="alert">{message}</p>
      <p>
        <a href="/auth/login">Sign in again</a> · <Link to="/">Home</Link>
      </p>
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: "Signing in · SSO Portal" }];
