import { sql } from "kysely";
import { createSession } from "~/services/identity/session.server";
import type { DB } from "~/services/platform/db.server";

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

/** A portal user who is in no organization yet (someone about to accept a setup link). */
export async function createPortalUser(db: DB, email: string): Promise<string> {
  const row = await db
    .insertInto("users")
    .values({
      email,
      sub: `auth0|test${Buffer.from(email).toString("hex").slice(0, 20)}`,
      name: null,
      last_login_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
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

/** Everything an isolation test must find unchanged after a refused request. */
export async function snapshot(db: DB): Promise<string> {
  const [
    orgs,
    members,
    invitations,
    acceptances,
    users,
    jobs,
    drafts,
    setupProgress,
    changes,
    policies,
    trusted,
    mail,
    tests,
    live,
    applyJobs,
  ] = await Promise.all([
    db.selectFrom("organizations").selectAll().orderBy("slug").execute(),
    db.selectFrom("memberships").selectAll().orderBy("user_id").orderBy("organization_id").execute(),
    db.selectFrom("invitations").selectAll().orderBy("id").execute(),
    db.selectFrom("invitation_acceptances").selectAll().orderBy("invitation_id").orderBy("user_id").execute(),
    db.selectFrom("users").select(["id", "sub", "email", "name"]).orderBy("email").execute(),
    db.selectFrom("scheduled_jobs").select(["name", "next_run_at", "run_requested_by"]).orderBy("name").execute(),
    db.selectFrom("connection_drafts").selectAll().orderBy("organization_id").execute(),
    db.selectFrom("connection_setup_progress").selectAll().orderBy("organization_id").orderBy("user_id").execute(),
    db
      .selectFrom("change_requests")
      .select(["id", "state", "version", "reviewer_label", "reason", "apply_job_id"])
      .orderBy("id")
      .execute(),
    db.selectFrom("change_policies").selectAll().execute(),
    db.selectFrom("trusted_organizations").selectAll().orderBy("organization_id").execute(),
    // Which mail was queued (the mailer changes each one's delivery status on its own).
    db.selectFrom("outbox_messages").select(["id", "to_address", "subject"]).orderBy("id").execute(),
    db.selectFrom("test_logins").selectAll().orderBy("id").execute(),
    db.selectFrom("live_events").selectAll().orderBy("id").execute(),
    db.selectFrom("apply_jobs").select(["id", "status", "version"]).orderBy("id").execute(),
  ]);
  return JSON.stringify({
    orgs,
    members,
    invitations,
    acceptances,
    users,
    jobs,
    drafts,
    setupProgress,
    changes,
    policies,
    trusted,
    mail,
    tests,
    live,
    applyJobs,
  });
}

/**
 * A form posted the way a browser without JavaScript posts it, and the redirect followed the way
 * it follows one (POST-redirect-GET): `post` is the action's answer, `page` the page it sent the
 * browser to, fetched with the cookies it set (the flash message among them). `page` is null when
 * the action did not redirect (a refusal, a 4xx).
 */
export async function submitForm(
  baseUrl: string,
  path: string,
  options: { cookie: string; form: Record<string, string> },
): Promise<{ post: PortalResponse; page: PortalResponse | null }> {
  const post = await call(baseUrl, path, options);
  if (post.status !== 303 || !post.location) return { post, page: null };
  const cookie = [options.cookie, ...post.setCookies.map(cookiePair)].join("; ");
  return { post, page: await call(baseUrl, post.location, { cookie }) };
}
