import { sql } from "kysely";
import { createSession } from "~/services/identity/session.server";
import type { DB } from "~/services/platform/db.server";

/*
 * Requests to a running portal, as the tests and the benchmarks both make them (benchmarks do not
 * import from tests/).
 */

/**
 * Signing in without the tenant's login page, for tests that are about what happens after it:
 * a real session made by the session service (the same rows and cookie a sign-in makes).
 */
export async function sessionCookieFor(db: DB, email: string): Promise<string> {
  const user = await db
    .selectFrom("users")
    .select("id")
    .where(sql`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirstOrThrow();
  // As a sign-in whose ID token says the e-mail is verified (what the seeded tenant users have).
  const { setCookie } = await createSession(user.id, { emailVerified: true });
  return cookiePair(setCookie);
}

/** `name=value` from a Set-Cookie header. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(";")[0]!;
}

export interface PortalResponse {
  status: number;
  location: string | null;
  text: string;
  setCookies: string[];
  headers: Headers;
}

/**
 * One HTTP request to the portal without following redirects. Non-GET requests carry the
 * portal's own Origin unless `origin` says otherwise (null: no Origin header at all).
 */
export async function call(
  baseUrl: string,
  path: string,
  options: {
    method?: string;
    cookie?: string;
    form?: Record<string, string>;
    origin?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<PortalResponse> {
  const method = options.method ?? (options.form ? "POST" : "GET");
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (method !== "GET" && method !== "HEAD" && options.origin !== null)
    headers.origin = options.origin ?? new URL(baseUrl).origin;
  let body: string | undefined;
  if (options.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: "manual" });
  return {
    status: res.status,
    location: res.headers.get("location"),
    text: await res.text(),
    setCookies: res.headers.getSetCookie(),
    headers: res.headers,
  };
}
