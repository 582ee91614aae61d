import { createCookie } from "@remix-run/node";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginCookie } from "~/services/identity/oidc.server";
import { sessionCookie } from "~/services/identity/session.server";
import { call, cookiePair, createPortalUser, sessionCookieFor, snapshot, submitForm } from "../support/auth";
import { startTestPortal, type TestPortal } from "../support/portal";

let portal: TestPortal;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

async function rawIdOf(cookie: string): Promise<string> {
  return (await sessionCookie().parse(cookie)) as string;
}

async function auditActions(): Promise<string[]> {
  const rows = await portal.database.db.selectFrom("audit_events").select("action").orderBy("id").execute();
  return rows.map((r) => r.action);
}

describe("sessions", () => {
  it("puts only a signed random id in an httpOnly, SameSite=Lax cookie and stores only its hash", async () => {
    const db = portal.database.db;
    const user = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "alice@acme.test")
      .executeTakeFirstOrThrow();
    const { createSession } = await import("~/services/identity/session.server");
    const { setCookie } = await createSession(user.id);
    expect(setCookie).toMatch(/^portal_session=/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/; Secure/i); // local mode is plain http; Secure everywhere else
    const raw = await rawIdOf(cookiePair(setCookie));
    expect(raw).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await db.selectFrom("sessions").selectAll().execute();
    expect(rows.some((r) => r.id_hash === sha256(raw))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(raw);
  });

  it("treats a tampered cookie, or one signed with another secret, as nobody", async () => {
    const good = await sessionCookieFor(portal.database.db, "alice@acme.test");
    expect((await call(portal.url, "/orgs/acme", { cookie: good })).status).toBe(200);
    const last = good.at(-1)!;
    const tampered = `${good.slice(0, -1)}${last === "A" ? "B" : "A"}`;
    expect((await call(portal.url, "/orgs/acme", { cookie: tampered })).status).toBe(302);
    const forger = createCookie("portal_session", { secrets: ["not-the-portal-secret-0123456789abcdef"] });
    const forged = cookiePair(await forger.serialize(await rawIdOf(good)));
    expect((await call(portal.url, "/orgs/acme", { cookie: forged })).status).toBe(302);
  });

  it("never adopts an id the browser made up, even one signed correctly", async () => {
    const before = await portal.database.db.selectFrom("sessions").select("id_hash").execute();
    const madeUp = randomBytes(32).toString("base64url");
    const cookie = cookiePair(await sessionCookie().serialize(madeUp));
    const res = await call(portal.url, "/orgs/acme", { cookie });
    expect(res.status).toBe(302);
    expect(res.location).toBe("/auth/login?returnTo=%2Forgs%2Facme");
    const after = await portal.database.db.selectFrom("sessions").select("id_hash").execute();
    expect(after).toHaveLength(before.length);
    expect(after.some((r) => r.id_hash === sha256(madeUp))).toBe(false);
  });

  it("ends a session at its idle expiry and at its absolute expiry", async () => {
    const db = portal.database.db;
    for (const column of ["idle_expires_at", "absolute_expires_at"] as const) {
      const cookie = await sessionCookieFor(db, "victor@acme.test");
      expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
      await db
        .updateTable("sessions")
        .set({ [column]: new Date(Date.now() - 1000) })
        .where("id_hash", "=", sha256(await rawIdOf(cookie)))
        .execute();
      const res = await call(portal.url, "/orgs/acme", { cookie });
      expect(res.status, column).toBe(302);
      expect(res.location).toMatch(/^\/auth\/login/);
    }
  });

  it("pushes the idle expiry forward on use, never past the absolute expiry", async () => {
    const db = portal.database.db;
    const cookie = await sessionCookieFor(db, "victor@acme.test");
    const idHash = sha256(await rawIdOf(cookie));
    const absolute = new Date(Date.now() + 30 * 60_000);
    await db
      .updateTable("sessions")
      .set({
        last_seen_at: new Date(Date.now() - 5 * 60_000),
        idle_expires_at: new Date(Date.now() + 60_000),
        absolute_expires_at: absolute,
      })
      .where("id_hash", "=", idHash)
      .execute();
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
    const row = await db.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).executeTakeFirstOrThrow();
    expect(new Date(row.idle_expires_at).getTime()).toBe(absolute.getTime());
    expect(Date.now() - new Date(row.last_seen_at).getTime()).toBeLessThan(10_000);
  });

  it("signs out: revokes the session, clears the cookie and ends the tenant session", async () => {
    const db = portal.database.db;
    const cookie = await sessionCookieFor(db, "victor@acme.test");
    const res = await call(portal.url, "/auth/logout", { cookie, form: { scope: "this" } });
    expect(res.status).toBe(302);
    const logout = new URL(res.location!);
    expect(`${logout.origin}/`).toBe(portal.tenant!.issuer);
    expect(logout.pathname).toBe("/v2/logout");
    expect(logout.searchParams.get("client_id")).toBe(portal.tenant!.portalClient.clientId);
    expect(logout.searchParams.get("returnTo")).toBe(`${portal.url}/signed-out`);
    expect(res.setCookies.join("\n")).toMatch(/portal_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
    const row = await db
      .selectFrom("sessions")
      .select("revoked_at")
      .where("id_hash", "=", sha256(await rawIdOf(cookie)))
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expect((await auditActions()).at(-1)).toBe("session.sign_out");
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(302);
  });

  it("signs out everywhere: every session of the user ends, other people's do not", async () => {
    const db = portal.database.db;
    const laptop = await sessionCookieFor(db, "alice@acme.test");
    const phone = await sessionCookieFor(db, "alice@acme.test");
    const bob = await sessionCookieFor(db, "bob@globex.test");
    const res = await call(portal.url, "/auth/logout", { cookie: laptop, form: { scope: "everywhere" } });
    expect(res.status).toBe(302);
    expect((await call(portal.url, "/orgs/acme", { cookie: phone })).status).toBe(302);
    expect((await call(portal.url, "/orgs/acme", { cookie: laptop })).status).toBe(302);
    expect((await call(portal.url, "/orgs/globex", { cookie: bob })).status).toBe(200);
    const live = await db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select("sessions.id_hash")
      .where("users.email", "=", "alice@acme.test")
      .where("sessions.revoked_at", "is", null)
      .execute();
    expect(live).toEqual([]);
  });

  it("keeps only a path inside the portal as the place to return to after sign-in (no open redirect)", async () => {
    const cases: [string, string][] = [
      ["/orgs/globex", "/orgs/globex"],
      ["//evil.example/x", "/orgs"],
      ["/\\evil.example", "/orgs"],
      ["https://evil.example/", "/orgs"],
      ["%2F%2Fevil.example", "/orgs"],
      ["javascript:alert(1)", "/orgs"],
    ];
    for (const [returnTo, expected] of cases) {
      const res = await call(portal.url, `/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(res.status, returnTo).toBe(302);
      expect(res.location!.startsWith(`${portal.tenant!.url}/authorize?`), returnTo).toBe(true);
      const pending = (await loginCookie().parse(res.setCookies.map(cookiePair).join("; "))) as { returnTo: string };
      expect(pending.returnTo, returnTo).toBe(expected);
    }
  });

  it("keeps where an anonymous visitor was going, as a path", async () => {
    const res = await call(portal.url, "/orgs/acme?tab=members");
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/auth/login?returnTo=${encodeURIComponent("/orgs/acme?tab=members")}`);
  });
});

function tokenFrom(html: string): string {
  const m = html.match(/\/invites\/([A-Za-z0-9_-]{43})/);
  if (!m) throw new Error("no setup link in the page");
  return m[1]!;
}

/**
 * A setup link made through a page's form: the POST redirects back (POST-redirect-GET) and the page
 * it lands on shows the link, once: that page's answer clears the flash cookie that carried it.
 */
async function createLink(path: string, cookie: string, form: Record<string, string>): Promise<string> {
  const { post, page } = await submitForm(portal.url, path, { cookie, form });
  expect(post.status).toBe(303);
  expect(post.location).toBe(path);
  expect(post.text).not.toContain("/invites/");
  expect(page?.status).toBe(200);
  expect(page?.text).toContain("Setup link created. Copy it now: it is shown only once.");
  expect(page?.setCookies.join("\n")).toMatch(/portal_flash=;[^\n]*Expires=Thu, 01 Jan 1970/);
  return tokenFrom(page!.text);
}

async function lenaCreatesLink(form: Partial<Record<string, string>> = {}): Promise<string> {
  const lena = await sessionCookieFor(portal.database.db, "lena@vendor.test");
  return createLink("/support/links", lena, {
    intent: "invite",
    orgSlug: "globex",
    role: "org_admin",
    maxUses: "1",
    ttlHours: "72",
    ...form,
  } as Record<string, string>);
}

/** A setup link to Acme, made by its administrator on her organization's page (`alice`: her session cookie). */
function linkToAcme(alice: string, form: { role: string; maxUses: string; ttlHours: string }): Promise<string> {
  return createLink("/orgs/acme/links", alice, { intent: "invite", ...form });
}

async function newcomer(email: string): Promise<{ id: string; cookie: string }> {
  const id = await createPortalUser(portal.database.db, email);
  return { id, cookie: await sessionCookieFor(portal.database.db, email) };
}

async function membership(userId: string) {
  return portal.database.db
    .selectFrom("memberships")
    .innerJoin("organizations", "organizations.id", "memberships.organization_id")
    .select(["organizations.slug", "memberships.role"])
    .where("memberships.user_id", "=", userId)
    .execute();
}

describe("setup links", () => {
  it("a support lead's link stores only a hash, shows the link once, and makes its opener a member", async () => {
    const db = portal.database.db;
    const token = await lenaCreatesLink();
    const stored = await db.selectFrom("invitations").selectAll().execute();
    expect(stored.some((r) => r.token_hash === sha256(token))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(token);
    const created = await db
      .selectFrom("invitations")
      .selectAll()
      .where("token_hash", "=", sha256(token))
      .executeTakeFirstOrThrow();
    const hours = (new Date(created.expires_at).getTime() - new Date(created.created_at).getTime()) / 3_600_000;
    expect(Math.round(hours)).toBe(72);

    // Anonymous: what the link is for, and a sign-in that comes back here.
    const anon = await call(portal.url, `/invites/${token}`);
    expect(anon.status).toBe(200);
    expect(anon.text).toMatch(/Join (<!-- -->)?Globex/);
    expect(anon.text).toContain(`/auth/login?returnTo=${encodeURIComponent(`/invites/${token}`)}`);

    const nora = await newcomer("nora@globex.test");
    const page = await call(portal.url, `/invites/${token}`, { cookie: nora.cookie });
    expect(page.text).toContain("nora@globex.test");
    const accept = await call(portal.url, `/invites/${token}`, { cookie: nora.cookie, form: {} });
    expect(accept.status).toBe(302);
    expect(accept.location).toBe("/orgs/globex");
    expect(await membership(nora.id)).toEqual([{ slug: "globex", role: "org_admin" }]);
    expect((await call(portal.url, "/orgs/globex", { cookie: nora.cookie })).status).toBe(200);
    // A second organization: she can switch between both, each from the navigation.
    const alice = await sessionCookieFor(db, "alice@acme.test");
    const acmeLink = await linkToAcme(alice, { role: "org_viewer", maxUses: "1", ttlHours: "72" });
    expect((await call(portal.url, `/invites/${acmeLink}`, { cookie: nora.cookie, form: {} })).location).toBe(
      "/orgs/acme",
    );
    expect(await membership(nora.id)).toEqual(
      expect.arrayContaining([
        { slug: "globex", role: "org_admin" },
        { slug: "acme", role: "org_viewer" },
      ]),
    );
    const both = await call(portal.url, "/orgs/acme", { cookie: nora.cookie });
    expect(both.status).toBe(200);
    expect(both.text).toMatch(
      /<ul class="org-switcher" aria-label="Your organizations">.*href="\/orgs\/acme".*href="\/orgs\/globex"/s,
    );
    expect((await call(portal.url, "/orgs", { cookie: nora.cookie })).status).toBe(200); // a choice, not a redirect
    expect(await auditActions()).toEqual(
      expect.arrayContaining(["invitation.created", "invitation.accepted", "membership.added"]),
    );

    // Replayed by someone else: used up.
    const mallory = await newcomer("mallory@evil.test");
    const before = await snapshot(db);
    const replay = await call(portal.url, `/invites/${token}`, { cookie: mallory.cookie, form: {} });
    expect(replay.status).toBe(410);
    expect(replay.text).toContain("already been used");
    expect(await snapshot(db)).toBe(before);
    expect((await call(portal.url, `/invites/${token}`)).status).toBe(410);
  });

  it("a tampered link matches nothing", async () => {
    const token = await lenaCreatesLink();
    const flipped = `${token.slice(0, 10)}${token[10] === "x" ? "y" : "x"}${token.slice(11)}`;
    const { cookie: mallory } = await newcomer("mallory2@evil.test");
    const before = await snapshot(portal.database.db);
    for (const bad of [flipped, `${token}x`, token.slice(0, 42), "..%2F..%2Fsupport"]) {
      const get = await call(portal.url, `/invites/${bad}`);
      expect(get.status, bad).toBe(404);
      expect(get.text).toContain("This setup link is not valid");
      const post = await call(portal.url, `/invites/${bad}`, { cookie: mallory, form: {} });
      expect(post.status, bad).toBe(404);
    }
    expect(await snapshot(portal.database.db)).toBe(before);
  });

  it("an expired link says so and cannot be used", async () => {
    const db = portal.database.db;
    const token = await lenaCreatesLink();
    await db
      .updateTable("invitations")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("token_hash", "=", sha256(token))
      .execute();
    const get = await call(portal.url, `/invites/${token}`);
    expect(get.status).toBe(410);
    expect(get.text).toContain("This setup link has expired");
    const pat = await newcomer("pat@globex.test");
    const before = await snapshot(db);
    expect((await call(portal.url, `/invites/${token}`, { cookie: pat.cookie, form: {} })).status).toBe(410);
    expect(await snapshot(db)).toBe(before);
  });

  it("a revoked link says so; support sees the state of every link they issued", async () => {
    const db = portal.database.db;
    const token = await lenaCreatesLink();
    const row = await db
      .selectFrom("invitations")
      .select("id")
      .where("token_hash", "=", sha256(token))
      .executeTakeFirstOrThrow();
    const lena = await sessionCookieFor(db, "lena@vendor.test");
    const revoke = await call(portal.url, "/support/links", {
      cookie: lena,
      form: { intent: "revoke-invite", invitationId: row.id },
    });
    expect(revoke.status).toBe(303);
    expect(revoke.location).toBe("/support/links");
    const get = await call(portal.url, `/invites/${token}`);
    expect(get.status).toBe(410);
    expect(get.text).toContain("This setup link was revoked");
    const pat = await sessionCookieFor(db, "pat@globex.test");
    expect((await call(portal.url, `/invites/${token}`, { cookie: pat, form: {} })).status).toBe(410);
    expect(
      await membership(
        (await db.selectFrom("users").select("id").where("email", "=", "pat@globex.test").executeTakeFirstOrThrow()).id,
      ),
    ).toEqual([]);

    const console = await call(portal.url, "/support/links", { cookie: lena });
    for (const state of ["Pending", "Used", "Expired", "Revoked"]) expect(console.text).toContain(`>${state}<`);
    // Sam issued nothing: he sees no links, and Lena's are not listed as his.
    const sam = await sessionCookieFor(db, "sam@vendor.test");
    expect((await call(portal.url, "/support/links", { cookie: sam })).text).toContain(
      "You have not issued any setup links.",
    );
  });

  it("an org admin invites a viewer to their own organization; a link of several uses runs out", async () => {
    const db = portal.database.db;
    const alice = await sessionCookieFor(db, "alice@acme.test");
    const token = await linkToAcme(alice, { role: "org_viewer", maxUses: "2", ttlHours: "24" });
    const links = await call(portal.url, "/orgs/acme/links", { cookie: alice });
    expect(links.text).toContain("0<!-- --> of <!-- -->2");
    const joined: string[] = [];
    for (const email of ["vic2@acme.test", "vic3@acme.test", "vic4@acme.test"]) {
      const person = await newcomer(email);
      const accept = await call(portal.url, `/invites/${token}`, { cookie: person.cookie, form: {} });
      if (accept.status === 302) joined.push(email);
      else expect(accept.status).toBe(410);
    }
    expect(joined).toEqual(["vic2@acme.test", "vic3@acme.test"]);
    const roles = await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select(["users.email", "memberships.role"])
      .where("users.email", "in", joined)
      .execute();
    expect(roles.map((r) => r.role)).toEqual(["org_viewer", "org_viewer"]);
  });

  it("refuses a bad form with a clear message and creates nothing", async () => {
    const db = portal.database.db;
    const alice = await sessionCookieFor(db, "alice@acme.test");
    const before = await snapshot(db);
    const res = await call(portal.url, "/orgs/acme/links", {
      cookie: alice,
      form: { intent: "invite", role: "owner", maxUses: "0", ttlHours: "9999" },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain("Choose Administrator or Viewer.");
    expect(res.text).toContain("At least 1.");
    expect(res.text).toContain("At most 720 hours");
    expect(await snapshot(db)).toBe(before);
  });

  it("two people racing for a link's last use: exactly one joins", async () => {
    const token = await lenaCreatesLink();
    const a = await newcomer("racer-a@globex.test");
    const b = await newcomer("racer-b@globex.test");
    const [ra, rb] = await Promise.all([
      call(portal.url, `/invites/${token}`, { cookie: a.cookie, form: {} }),
      call(portal.url, `/invites/${token}`, { cookie: b.cookie, form: {} }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([302, 410]);
    const members = [...(await membership(a.id)), ...(await membership(b.id))];
    expect(members).toHaveLength(1);
  });

  it("shows names that came from an identity provider as text, never as markup", async () => {
    const db = portal.database.db;
    const hostile = `<img src=x onerror="alert(1)">Eve`;
    const eve = await db
      .insertInto("users")
      .values({ email: "eve@acme.test", sub: "samlp|acme|eve", name: hostile, last_login_at: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    const acme = await db.selectFrom("organizations").select("id").where("slug", "=", "acme").executeTakeFirstOrThrow();
    await db
      .insertInto("memberships")
      .values({ user_id: eve.id, organization_id: acme.id, role: "org_viewer" })
      .execute();
    const alice = await sessionCookieFor(db, "alice@acme.test");
    const page = await call(portal.url, "/orgs/acme", { cookie: alice });
    expect(page.status).toBe(200);
    expect(page.text).toContain("eve@acme.test");
    expect(page.text).not.toContain("<img src=x");
    expect(page.text).toContain("&lt;img src=x");
  });

  it("a viewer who accepts an administrator's link is promoted; an administrator's own link does not demote", async () => {
    const db = portal.database.db;
    const alice = await sessionCookieFor(db, "alice@acme.test");
    const make = (role: string) => linkToAcme(alice, { role, maxUses: "1", ttlHours: "1" });
    // Alice opening a viewer link keeps her administrator role and leaves the link unused.
    const viewerLink = await make("org_viewer");
    const before = await snapshot(db);
    expect((await call(portal.url, `/invites/${viewerLink}`, { cookie: alice, form: {} })).location).toBe("/orgs/acme");
    expect(await snapshot(db)).toBe(before);

    const adminLink = await make("org_admin");
    const victor = await sessionCookieFor(db, "victor@acme.test");
    expect((await call(portal.url, `/invites/${adminLink}`, { cookie: victor, form: {} })).location).toBe("/orgs/acme");
    const victorId = (
      await db.selectFrom("users").select("id").where("email", "=", "victor@acme.test").executeTakeFirstOrThrow()
    ).id;
    expect(await membership(victorId)).toEqual([{ slug: "acme", role: "org_admin" }]);
    const last = await db
      .selectFrom("audit_events")
      .selectAll()
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(last).toMatchObject({ action: "membership.role_changed", target: "victor@acme.test" });
  });
});

describe("an organization's pending setup links", () => {
  it("are not hidden by a hundred newer used, expired or revoked ones", async () => {
    const db = portal.database.db;
    const alice = await sessionCookieFor(db, "alice@acme.test");
    const token = await linkToAcme(alice, { role: "org_viewer", maxUses: "1", ttlHours: "72" });
    const pending = await db
      .selectFrom("invitations")
      .select(["id", "organization_id"])
      .where("token_hash", "=", sha256(token))
      .executeTakeFirstOrThrow();
    const later = Date.now() + 60_000;
    const noise = Array.from({ length: 100 }, (_, i) => ({
      token_hash: sha256(`noise-${i}-${randomBytes(8).toString("hex")}`),
      organization_id: pending.organization_id,
      role: "org_viewer" as const,
      created_by_user_id: null,
      created_by_label: "noise@acme.test",
      created_at: new Date(later + i),
      expires_at: new Date(later + 3_600_000),
      max_uses: 1,
      revoked_at: i % 2 === 0 ? new Date() : null,
      revoked_by_label: null,
      note: null,
      ...(i % 2 === 1 ? { uses: 1 } : {}),
    }));
    const inserted = await db.insertInto("invitations").values(noise).returning("id").execute();
    try {
      const page = await call(portal.url, "/orgs/acme/links", { cookie: alice });
      expect(page.status).toBe(200);
      expect(page.text).toContain(`value="${pending.id}"`);
      for (const { id } of inserted) expect(page.text).not.toContain(`value="${id}"`);
    } finally {
      await db
        .deleteFrom("invitations")
        .where(
          "id",
          "in",
          inserted.map((r) => r.id),
        )
        .execute();
    }
  });
});
