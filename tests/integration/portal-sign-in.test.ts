import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEMO_PASSWORD } from "../../local-tenant/seed";
import { request as httpRequest } from "node:http";
import { loginCookie, type PendingLogin } from "~/services/identity/oidc.server";
import { call, cookiePair, sessionCookieFor } from "../support/auth";
import { HttpBrowser, hiddenInput } from "../../harness/http-browser";
import { addTenantPasswordUser, startTestPortal, type TestPortal } from "../support/portal";

/**
 * The real sign-in over HTTP: the portal's /auth/login → the local tenant's login page → the
 * portal's /auth/callback (code + PKCE, state, nonce, ID-token checks by openid-client) → a
 * session. And what must not work: fixation, open redirects, replayed or foreign callbacks.
 */

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const onTenant = (url: string) => url.startsWith(portal.tenant!.url);

/** Goes to /auth/login, signs in on the tenant's page, and follows the redirects back. */
async function signIn(browser: HttpBrowser, email: string, returnTo?: string, password = DEFAULT_DEMO_PASSWORD) {
  const start = `${portal.url}/auth/login${returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`}`;
  const login = await browser.follow(start, () => false);
  expect(login.res?.status).toBe(200);
  expect(onTenant(login.url)).toBe(true);
  const html = await login.res!.text();
  const hops: string[] = [];
  const done = await browser.submit(login.url, { _csrf: hiddenInput(html, "_csrf")!, email, password }, (url) => {
    hops.push(url);
    return false;
  });
  return { ...done, hops };
}

/** A GET with the path exactly as written (fetch would remove its dot-segments first). */
function rawGet(base: string, path: string): Promise<{ status: number; location: string | null }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: "GET" });
    req.path = path;
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null });
    });
    req.on("error", reject);
    req.end();
  });
}

async function refusedSignIns(): Promise<number> {
  const row = await portal.database.db
    .selectFrom("security_events")
    .select((eb) => eb.fn.sum<string>("count").as("n"))
    .where("action", "=", "session.sign_in")
    .executeTakeFirstOrThrow();
  return Number(row.n ?? 0);
}

function portalCookie(browser: HttpBrowser): string | undefined {
  return (browser as unknown as { cookies: Map<string, Map<string, string>> }).cookies
    .get("localhost")
    ?.get("portal_session");
}

async function auditRows(action: string) {
  return portal.database.db.selectFrom("audit_events").selectAll().where("action", "=", action).execute();
}

describe("signing in through the tenant", () => {
  it("Alice signs in and lands on the page she asked for, with a fresh session", async () => {
    const browser = new HttpBrowser();
    const done = await signIn(browser, "alice@acme.test", "/orgs/acme");
    expect(done.url).toBe(`${portal.url}/orgs/acme`);
    expect(done.res?.status).toBe(200);
    const html = await done.res!.text();
    expect(html).toContain("victor@acme.test");
    // The hops went through the callback with a code and state.
    const callback = done.hops.find((u) => u.startsWith(`${portal.url}/auth/callback`));
    expect(new URL(callback!).searchParams.get("code")).toBeTruthy();
    expect(new URL(callback!).searchParams.get("state")).toBeTruthy();
    // The pending-login cookie is gone; the session cookie is there and stored only as a hash.
    expect(browser.cookieNames(portal.url)).not.toContain("portal_login");
    const user = await portal.database.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", "alice@acme.test")
      .executeTakeFirstOrThrow();
    expect(user.last_login_at).not.toBeNull();
    const sessions = await portal.database.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", user.id)
      .execute();
    expect(sessions).toHaveLength(1);
    // No tokens at rest.
    expect(JSON.stringify(sessions[0]!.data)).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);
    const signIns = await auditRows("session.sign_in");
    expect(signIns.at(-1)).toMatchObject({
      actor_label: "alice@acme.test",
      outcome: "success",
      actor_user_id: user.id,
    });
    // Globex is not hers.
    const globex = await browser.request(`${portal.url}/orgs/globex`);
    expect(globex.status).toBe(404);
  });

  it("replaces a session id planted before sign-in (no fixation) and revokes the planted one", async () => {
    const browser = new HttpBrowser();
    // An attacker's own valid session cookie, planted in the victim's browser.
    const planted = await sessionCookieFor(portal.database.db, "bob@globex.test");
    const [name, value] = planted.split("=") as [string, string];
    (browser as unknown as { cookies: Map<string, Map<string, string>> }).cookies.set(
      "localhost",
      new Map([[name, value]]),
    );
    const done = await signIn(browser, "victor@acme.test", "/orgs/acme");
    expect(done.res?.status).toBe(200);
    const now = portalCookie(browser);
    expect(now).toBeTruthy();
    expect(now).not.toBe(value);
    // The planted session is dead, so the attacker learns nothing from having planted it.
    expect((await call(portal.url, "/orgs/globex", { cookie: planted })).status).toBe(302);
    expect((await call(portal.url, "/orgs/acme", { cookie: `${name}=${now}` })).status).toBe(200);
  });

  it("ignores a returnTo that leaves the portal", async () => {
    for (const evil of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil.example",
      "%2F%2Fevil.example",
      // Dot-segments that become `//host` once normalized (security review 2026-12-06).
      "/..//evil.example/pwned.html",
      "/orgs/..//evil.example",
      "/%2e%2e//evil.example",
      "/..%2F%2Fevil.example",
    ]) {
      const browser = new HttpBrowser();
      const done = await signIn(browser, "bob@globex.test", evil);
      const callback = done.hops.findIndex((u) => u.startsWith(`${portal.url}/auth/callback`));
      expect(done.hops[callback + 1], evil).toBe(`${portal.url}/orgs`);
      expect(done.url).toBe(`${portal.url}/orgs/globex`);
      expect(done.hops.some((u) => u.includes("evil.example"))).toBe(false);
    }
  });

  it("sends someone already signed in at the tenant back to the portal, not to the host in a crafted returnTo", async () => {
    const browser = new HttpBrowser();
    await signIn(browser, "bob@globex.test", "/orgs/globex");
    // The link from the finding: the tenant session answers at once, with no click.
    const crafted = `${portal.url}/auth/login?returnTo=%2F..%2F%2F127.0.0.1%3A4399%2Fpwned.html`;
    const hops: string[] = [];
    const done = await browser.follow(crafted, (url) => {
      hops.push(url);
      return false;
    });
    const callback = hops.findIndex((u) => u.startsWith(`${portal.url}/auth/callback`));
    expect(callback).toBeGreaterThan(0);
    expect(hops[callback + 1]).toBe(`${portal.url}/orgs`);
    expect(done.url).toBe(`${portal.url}/orgs/globex`);
    expect(hops.some((u) => u.includes("4399") && !u.includes("returnTo"))).toBe(false);
  });

  it("decides again where the redirect is issued: a pending login carrying //host is not followed", async () => {
    const browser = new HttpBrowser();
    const login = await browser.follow(`${portal.url}/auth/login?returnTo=%2Forgs%2Fglobex`, () => false);
    // Rewrite the kept return address as if the check at /auth/login had been bypassed.
    const jar = (browser as unknown as { cookies: Map<string, Map<string, string>> }).cookies.get("localhost")!;
    const pending = (await loginCookie().parse(`portal_login=${jar.get("portal_login")}`)) as PendingLogin;
    const forged = await loginCookie().serialize({ ...pending, returnTo: "//evil.example/pwned.html" });
    jar.set("portal_login", cookiePair(forged).slice("portal_login=".length));
    const html = await login.res!.text();
    const hops: string[] = [];
    await browser.submit(
      login.url,
      { _csrf: hiddenInput(html, "_csrf")!, email: "bob@globex.test", password: DEFAULT_DEMO_PASSWORD },
      (u) => {
        hops.push(u);
        return false;
      },
    );
    const callback = hops.findIndex((u) => u.startsWith(`${portal.url}/auth/callback`));
    expect(hops[callback + 1]).toBe(`${portal.url}/orgs`);
    expect(hops.some((u) => u.includes("evil.example"))).toBe(false);
  });

  it("a guarded page reached through dot-segments (/orgs/..//host) keeps no foreign return address", async () => {
    for (const path of ["/orgs/..//evil.example/x", "/orgs/acme/..//evil.example", "/orgs/%2e%2e//evil.example"]) {
      const res = await rawGet(portal.url, path);
      if (res.status === 302) {
        const location = res.location!;
        expect(location, path).toMatch(/^\/auth\/login\?returnTo=/);
        const returnTo = new URL(location, portal.url).searchParams.get("returnTo")!;
        expect(new URL(returnTo, portal.url).origin, path).toBe(new URL(portal.url).origin);
        expect(returnTo.startsWith("//"), path).toBe(false);
      } else {
        expect([400, 404], path).toContain(res.status);
      }
    }
  });

  it("refuses a replayed callback, a callback in another browser and a tampered state", async () => {
    const browser = new HttpBrowser();
    const done = await signIn(browser, "alice@acme.test", "/orgs/acme");
    const callback = done.hops.find((u) => u.startsWith(`${portal.url}/auth/callback`))!;
    const sessionsBefore = await portal.database.db.selectFrom("sessions").select("id_hash").execute();
    // Same browser again: the pending login was used up.
    const replay = await browser.request(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("This sign-in expired");
    // Someone else's browser with the stolen callback URL.
    const other = await new HttpBrowser().request(callback);
    expect(other.status).toBe(400);

    // A fresh login whose state is changed on the way back.
    const b2 = new HttpBrowser();
    const login = await b2.follow(`${portal.url}/auth/login`, () => false);
    const html = await login.res!.text();
    const back = await b2.submit(
      login.url,
      { _csrf: hiddenInput(html, "_csrf")!, email: "alice@acme.test", password: DEFAULT_DEMO_PASSWORD },
      (u) => u.startsWith(`${portal.url}/auth/callback`),
    );
    const tampered = new URL(back.url);
    tampered.searchParams.set("state", `${tampered.searchParams.get("state")}x`);
    const res = await b2.request(tampered.href);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("could not be verified");
    expect(await portal.database.db.selectFrom("sessions").select("id_hash").execute()).toHaveLength(
      sessionsBefore.length,
    );
    // Failed sign-ins go to support's security log, counted per actor, route and hour.
    expect(await refusedSignIns()).toBeGreaterThanOrEqual(3);
  });

  it("a wrong password stays on the tenant's page and makes no session", async () => {
    const before = await portal.database.db.selectFrom("sessions").select("id_hash").execute();
    const browser = new HttpBrowser();
    const done = await signIn(browser, "alice@acme.test", "/orgs/acme", "wrong-password-123");
    expect(onTenant(done.url)).toBe(true);
    expect(portalCookie(browser)).toBeUndefined();
    expect(await portal.database.db.selectFrom("sessions").select("id_hash").execute()).toHaveLength(before.length);
  });

  it("signing out ends the portal session and the tenant session", async () => {
    const browser = new HttpBrowser();
    await signIn(browser, "alice@acme.test", "/orgs/acme");
    const id = portalCookie(browser)!;
    const out = await browser.request(`${portal.url}/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: portal.url },
      body: "scope=this",
    });
    expect(out.status).toBe(302);
    const back = await browser.follow(out.headers.get("location")!, () => false);
    expect(back.url).toBe(`${portal.url}/signed-out`);
    expect(back.res?.status).toBe(200);
    expect(portalCookie(browser)).toBeUndefined();
    const rows = await portal.database.db.selectFrom("sessions").select(["id_hash", "revoked_at"]).execute();
    expect(rows.filter((r) => r.revoked_at === null).map((r) => r.id_hash)).not.toContain(sha256(id));
    // The tenant forgot her too: signing in again asks for the password.
    const again = await browser.follow(`${portal.url}/auth/login`, () => false);
    expect(onTenant(again.url)).toBe(true);
    expect(await again.res!.text()).toContain('name="password"');
  });

  it("a person new to the portal gets a user record and no organization", async () => {
    addTenantPasswordUser(portal, {
      userId: "auth0|newperson000000000000001",
      email: "newperson@initech.test",
      name: "New Person",
      password: "Another-Password-1",
    });
    const browser = new HttpBrowser();
    const done = await signIn(browser, "newperson@initech.test", undefined, "Another-Password-1");
    expect(done.url).toBe(`${portal.url}/orgs`);
    expect(await done.res!.text()).toContain("You are not a member of any organization yet");
    const user = await portal.database.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", "newperson@initech.test")
      .executeTakeFirstOrThrow();
    expect(user.sub).toBe("auth0|newperson000000000000001");
  });

  it("refuses a second tenant identity that claims an e-mail already in the portal", async () => {
    // Dana is in the portal from another identity (say, her company's SAML login); a new
    // database user with her address must not take over her memberships.
    await portal.database.db
      .insertInto("users")
      .values({ email: "dana@initech.test", sub: "samlp|initech|dana", name: "Dana", last_login_at: null })
      .execute();
    addTenantPasswordUser(portal, {
      userId: "auth0|impostor0000000000000001",
      email: "dana@initech.test",
      name: "Impostor",
      password: "Impostor-Password-1",
    });
    const browser = new HttpBrowser();
    const login = await browser.follow(`${portal.url}/auth/login`, () => false);
    const html = await login.res!.text();
    const done = await browser.submit(
      login.url,
      { _csrf: hiddenInput(html, "_csrf")!, email: "dana@initech.test", password: "Impostor-Password-1" },
      () => false,
    );
    expect(done.res?.status).toBe(403);
    expect(await done.res!.text()).toContain("Another sign-in already uses this e-mail address");
    expect(portalCookie(browser)).toBeUndefined();
    const refused = await portal.database.db
      .selectFrom("security_events")
      .selectAll()
      .where("action", "=", "session.sign_in")
      .where("actor_label", "=", "dana@initech.test")
      .executeTakeFirstOrThrow();
    expect(refused).toMatchObject({ reason: "email_taken", status: 403, route: "GET /auth/callback" });
  });

  it("answers 503 without details when the tenant cannot be reached, and recovers when it can", async () => {
    const { getTenantConfig, registerLocalTenant } = await import("~/services/platform/tenant-config.server");
    const real = getTenantConfig();
    registerLocalTenant({ ...real, issuer: "http://127.0.0.1:9/" });
    try {
      const res = await call(portal.url, "/auth/login");
      expect(res.status).toBe(503);
      expect(res.text).toContain("The sign-in service cannot be reached");
      expect(res.text).not.toContain(real.portal.clientSecret);
      expect(res.text).not.toContain("127.0.0.1:9");
    } finally {
      registerLocalTenant(real);
    }
    const ok = await call(portal.url, "/auth/login");
    expect(ok.status).toBe(302);
    expect(ok.location!.startsWith(`${portal.tenant!.url}/authorize?`)).toBe(true);
  });
});
