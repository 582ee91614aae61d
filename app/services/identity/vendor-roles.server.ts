import { sanitizeNamePart } from "../auth0/naming";
import { getEnv, type Env } from "../platform/env.server";
import type { SupportRole } from "./scope.server";

/**
 * Vendor staff roles come from configuration, never from the database or a form: lists of
 * e-mails or tenant user ids (SUPPORT_*_EMAILS, SUPPORT_*_USER_IDS), or an ID-token claim named
 * by SUPPORT_ROLE_CLAIM (read at sign-in). Local mode adds the seeded Sam and Lena.
 *
 * An e-mail names vendor staff only when the sign-in said it was verified and the identity does
 * not come from a connection the portal manages for a customer (`<strategy>|<prefix>-…|<id>`):
 * a customer's IdP asserts whatever e-mail it likes, and a database sign-up may be unverified.
 */
export const LOCAL_SUPPORT_AGENTS = ["sam@vendor.test"];
export const LOCAL_SUPPORT_ADMINS = ["lena@vendor.test"];

/** True when `sub` is an identity of a connection the portal manages for a customer. */
export function isCustomerManagedIdentity(sub: string | null, prefix: string): boolean {
  if (!sub) return false;
  const parts = sub.split("|");
  if (parts.length < 3) return false; // `auth0|…`, `google-oauth2|…`: not an enterprise connection
  const p = sanitizeNamePart(prefix);
  return p ? parts[1]!.toLowerCase().startsWith(`${p}-`) : true;
}

export function configuredSupportRole(
  user: { email: string; sub: string | null; emailVerified?: boolean },
  env: Pick<
    Env,
    | "localMode"
    | "SUPPORT_ADMIN_EMAILS"
    | "SUPPORT_AGENT_EMAILS"
    | "SUPPORT_ADMIN_USER_IDS"
    | "SUPPORT_AGENT_USER_IDS"
    | "AUTH0_CONNECTION_PREFIX"
  > = getEnv(),
): SupportRole | null {
  const emailTrusted = user.emailVerified === true && !isCustomerManagedIdentity(user.sub, env.AUTH0_CONNECTION_PREFIX);
  const email = emailTrusted ? user.email.toLowerCase() : null;
  const admins = [...env.SUPPORT_ADMIN_EMAILS, ...(env.localMode ? LOCAL_SUPPORT_ADMINS : [])];
  const agents = [...env.SUPPORT_AGENT_EMAILS, ...(env.localMode ? LOCAL_SUPPORT_AGENTS : [])];
  const bySub = (list: string[]) => user.sub !== null && list.includes(user.sub);
  if ((email !== null && admins.includes(email)) || bySub(env.SUPPORT_ADMIN_USER_IDS)) return "support_admin";
  if ((email !== null && agents.includes(email)) || bySub(env.SUPPORT_AGENT_USER_IDS)) return "support_agent";
  return null;
}

/** The vendor role in an ID token's claim: a string or an array of strings naming the role. */
export function supportRoleFromClaims(
  claims: Record<string, unknown>,
  claimName: string | undefined,
): SupportRole | null {
  if (!claimName) return null;
  const raw = claims[claimName];
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.includes("support_admin")) return "support_admin";
  if (values.includes("support_agent")) return "support_agent";
  return null;
}

/** The higher of two roles (configuration and claim). */
export function higherSupportRole(a: SupportRole | null, b: SupportRole | null | undefined): SupportRole | null {
  if (a === "support_admin" || b === "support_admin") return "support_admin";
  if (a === "support_agent" || b === "support_agent") return "support_agent";
  return null;
}
