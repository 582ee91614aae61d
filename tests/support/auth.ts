import type { DB } from "~/services/platform/db.server";

import { call, cookiePair, type PortalResponse } from "../../harness/portal-requests";

export { call, cookiePair, sessionCookieFor, type PortalResponse } from "../../harness/portal-requests";

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

/** Everything an isolation test must find unchanged after a refused request. */
export async function snapshot(db: DB): Promise<string> {
  // One entry per table: its name in the snapshot and what is compared of it.
  const tables = {
    orgs: db.selectFrom("organizations").selectAll().orderBy("slug").execute(),
    members: db.selectFrom("memberships").selectAll().orderBy("user_id").orderBy("organization_id").execute(),
    invitations: db.selectFrom("invitations").selectAll().orderBy("id").execute(),
    acceptances: db
      .selectFrom("invitation_acceptances")
      .selectAll()
      .orderBy("invitation_id")
      .orderBy("user_id")
      .execute(),
    users: db.selectFrom("users").select(["id", "sub", "email", "name"]).orderBy("email").execute(),
    jobs: db.selectFrom("scheduled_jobs").select(["name", "next_run_at", "run_requested_by"]).orderBy("name").execute(),
    drafts: db.selectFrom("connection_drafts").selectAll().orderBy("organization_id").execute(),
    setupProgress: db
      .selectFrom("connection_setup_progress")
      .selectAll()
      .orderBy("organization_id")
      .orderBy("user_id")
      .execute(),
    changes: db
      .selectFrom("change_requests")
      .select(["id", "state", "version", "reviewer_label", "reason", "apply_job_id"])
      .orderBy("id")
      .execute(),
    policies: db.selectFrom("change_policies").selectAll().execute(),
    trusted: db.selectFrom("trusted_organizations").selectAll().orderBy("organization_id").execute(),
    // Which mail was queued (the mailer changes each one's delivery status on its own).
    mail: db.selectFrom("outbox_messages").select(["id", "to_address", "subject"]).orderBy("id").execute(),
    tests: db.selectFrom("test_logins").selectAll().orderBy("id").execute(),
    live: db.selectFrom("live_events").selectAll().orderBy("id").execute(),
    applyJobs: db.selectFrom("apply_jobs").select(["id", "status", "version"]).orderBy("id").execute(),
    domains: db.selectFrom("organization_domains").selectAll().orderBy("id").execute(),
    apiKeys: db.selectFrom("api_keys").select(["id", "name", "organization_id", "revoked_at"]).orderBy("id").execute(),
  };
  const rows = await Promise.all(Object.values(tables));
  return JSON.stringify(Object.fromEntries(Object.keys(tables).map((name, i) => [name, rows[i]])));
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
