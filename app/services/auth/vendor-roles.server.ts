import { getEnv, type Env } from "../env.server";
import type { SupportRole } from "../scope.server";

/**
 * Vendor staff roles come from configuration, never from the database or a form: lists of
 * e-mails or tenant user ids (SUPPORT_*_EMAILS, SUPPORT_*_USER_IDS), or an ID-token claim named
 * by SUPPORT_ROLE_CLAIM (read at sign-in). Local mode adds the seeded Sam and Lena.
 */
export const LOCAL_SUPPORT_AGENTS = ["sam@vendor.test"];
export const LOCAL_SUPPORT_ADMINS = ["lena@vendor.test"];

export function configuredSupportRole(
  user: { email: string; sub: string | null },
  env: Pick<
    Env,
    "localMode" | "SUPPORT_ADMIN_EMAILS" | "SUPPORT_AGENT_EMAILS" | "SUPPORT_ADMIN_USER_IDS" | "SUPPORT_AGENT_USER_IDS"
  > = getEnv(),
): SupportRole | null {
  const email = user.email.toLowerCase();
  const admins = [...env.SUPPORT_ADMIN_EMAILS, ...(env.localMode ? LOCAL_SUPPORT_ADMINS : [])];
  const agents = [...env.SUPPORT_AGENT_EMAILS, ...(env.localMode ? LOCAL_SUPPORT_AGENTS : [])];
  const bySub = (list: string[]) => user.sub !== null && list.includes(user.sub);
  if (admins.includes(email) || bySub(env.SUPPORT_ADMIN_USER_IDS)) return "support_admin";
  if (agents.includes(email) || bySub(env.SUPPORT_AGENT_USER_IDS)) return "support_agent";
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
