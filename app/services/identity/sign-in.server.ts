import { recordAudit } from "../audit/audit.server";
import { recordSignInRefusal } from "../audit/security-log.server";
import { getDb } from "../platform/db.server";
import { getEnv } from "../platform/env.server";
import { logger } from "../platform/logger.server";
import { getViewer } from "./guards.server";
import { finishLogin, isPendingLogin, loginCookie, tenantLogoutUrl } from "./oidc.server";
import { sanitizeReturnTo } from "./return-to";
import {
  clearSessionCookie,
  createSession,
  revokeAllSessions,
  revokeSession,
  sessionIdHashFrom,
  sweepExpiredSessions,
} from "./session.server";
import { SignInRefused, upsertUserFromClaims } from "./users.server";
import { supportRoleFromClaims } from "./vendor-roles.server";

/**
 * Signing in and out: what the /auth/callback and /auth/logout routes ask for. Sign-in finishes
 * the tenant's answer (code exchange, ID-token checks), finds or makes the user, revokes any
 * session this browser had and makes a new one (no fixation); sign-out ends this session or all
 * of the user's. Both write their audit rows and give the route the cookies to set.
 */

export type SignInResult =
  | { ok: true; returnTo: string; headers: Headers }
  | { ok: false; status: 400 | 403; message: string; headers: Headers };

/** The tenant sent the browser back (`request` is the callback's GET): sign the user in, or say why not. */
export async function completeSignIn(request: Request): Promise<SignInResult> {
  const url = new URL(request.url);
  const pending: unknown = await loginCookie().parse(request.headers.get("cookie"));
  const headers = new Headers({ "Cache-Control": "no-store" });
  headers.append("Set-Cookie", await loginCookie().serialize("", { maxAge: 0, expires: new Date(0) }));

  // A failed sign-in belongs to nobody's organization: support's security log, counted per actor,
  // route and hour, so a flood of forged callbacks costs one row and pushes no real event away.
  const refuse = async (status: 400 | 403, message: string, details: Record<string, unknown>) => {
    await recordSignInRefusal({
      actorLabel: typeof details.email === "string" ? details.email : "anonymous",
      status,
      reason: typeof details.reason === "string" ? details.reason : "refused",
    });
    return { ok: false as const, status, message, headers };
  };

  const error = url.searchParams.get("error");
  if (error) {
    // Anyone can link to the callback with any error_description: it is shown only when the answer
    // carries the state of the sign-in this browser started (it then comes from the tenant).
    const fromOurLogin = isPendingLogin(pending) && url.searchParams.get("state") === pending.state;
    const code = /^[a-z_]{1,40}$/.test(error) ? error : "error";
    const description = fromOurLogin ? (url.searchParams.get("error_description") ?? "").slice(0, 200) : "";
    return refuse(400, `Sign-in did not complete: ${description || code}. Start again from the sign-in link.`, {
      reason: "tenant_error",
      error: error.slice(0, 60),
      ...(fromOurLogin ? {} : { unsolicited: true }),
    });
  }
  if (!isPendingLogin(pending)) {
    return refuse(400, "This sign-in expired or was started in another browser. Start again from the sign-in link.", {
      reason: "no_pending_login",
    });
  }

  let claims;
  try {
    ({ claims } = await finishLogin(url.search, pending));
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, "sign-in callback refused");
    return refuse(400, "The sign-in response could not be verified. Start again from the sign-in link.", {
      reason: "invalid_response",
    });
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
      return refuse(403, err.message, { reason: err.reason, email: claims.email, sub: claims.sub });
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
  headers.append("Set-Cookie", setCookie);
  // Decided again here: the cookie is signed, but what /auth/login kept must still be a portal
  // path by today's rule.
  return { ok: true, returnTo: sanitizeReturnTo(pending.returnTo), headers };
}

/**
 * Signs the request's user out of this browser, or `everywhere` (every live session of theirs),
 * and says where the browser goes next: the tenant's logout (which ends its session too), or
 * /signed-out when no tenant is configured or nobody was signed in. The session cookie is cleared
 * either way.
 */
export async function signOut(
  request: Request,
  options: { everywhere: boolean },
): Promise<{ destination: string; headers: Headers }> {
  const headers = new Headers({ "Set-Cookie": await clearSessionCookie(), "Cache-Control": "no-store" });
  const viewer = await getViewer(request);
  if (!viewer) return { destination: "/signed-out", headers };
  const ended = options.everywhere
    ? await revokeAllSessions(viewer.user.id)
    : (await revokeSession(viewer.session.idHash), 1);
  await recordAudit(await getDb(), {
    actorUserId: viewer.user.id,
    actorLabel: viewer.user.email,
    action: "session.sign_out",
    target: viewer.user.email,
    details: { everywhere: options.everywhere, sessionsEnded: ended },
  });
  let destination = "/signed-out";
  try {
    destination = tenantLogoutUrl();
  } catch {
    // No tenant configured: the portal session is gone; nothing more to end.
  }
  return { destination, headers };
}
