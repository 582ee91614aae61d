import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalTenant, type LocalTenant } from "../../local-tenant/server.js";
import { DATABASE_CONNECTION_ID, DEFAULT_DEMO_PASSWORD, demoUserId } from "../../local-tenant/seed.js";
import { HttpBrowser, hiddenInput } from "../../harness/http-browser";
import { discoverTenantClient, finishAuthorization, startAuthorization } from "../support/test-application.js";

/** Database-user logins against the local tenant with openid-client 6, over plain HTTP. */

const PORTAL = "http://portal.test:3999";
const CALLBACK = `${PORTAL}/auth/callback`;
let tenant: LocalTenant;
let config: oidc.Configuration;

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, portalUrl: PORTAL });
  config = await discoverTenantClient(tenant, tenant.portalClient);
});
afterAll(async () => {
  await tenant?.close();
});

const atCallback = (url: string) => url.startsWith(CALLBACK);

async function startLogin(browser: HttpBrowser, extra: Record<string, string> = {}) {
  const { step, ...start } = await startAuthorization(browser, config, CALLBACK, extra);
  return { ...start, loginUrl: step.url, res: step.res };
}

async function loginAs(email: string, password: string, extra: Record<string, string> = {}) {
  const browser = new HttpBrowser();
  const start = await startLogin(browser, extra);
  expect(start.res?.status).toBe(200);
  const html = await start.res!.text();
  const done = await browser.submit(
    start.loginUrl,
    { _csrf: hiddenInput(html, "_csrf")!, email, password },
    atCallback,
  );
  return { ...start, browser, done };
}

describe("discovery and JWKS", () => {
  it("serves Auth0's paths under the issuer with a trailing slash", async () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${tenant.url}/`);
    expect(meta.authorization_endpoint).toBe(`${tenant.url}/authorize`);
    expect(meta.token_endpoint).toBe(`${tenant.url}/oauth/token`);
    expect(meta.userinfo_endpoint).toBe(`${tenant.url}/userinfo`);
    expect(meta.jwks_uri).toBe(`${tenant.url}/.well-known/jwks.json`);
    expect(meta.code_challenge_methods_supported).toContain("S256");
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });
});

describe("code + PKCE login with a database user", () => {
  it("renders an accessible login page, then issues ID token claims and userinfo like Auth0", async () => {
    const browser = new HttpBrowser();
    const start = await startLogin(browser);
    expect(new URL(start.loginUrl).pathname).toBe("/u/login");
    const html = await start.res!.text();
    expect(html).toContain('<label for="email">Email address</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('role="alert"');
    expect(html).toContain("SSO Portal");
    expect(start.res!.headers.get("x-frame-options")).toBe("DENY");

    const done = await browser.submit(
      start.loginUrl,
      { _csrf: hiddenInput(html, "_csrf")!, email: "alice@acme.test", password: DEFAULT_DEMO_PASSWORD },
      atCallback,
    );
    expect(done.url.startsWith(CALLBACK)).toBe(true);
    const tokens = await finishAuthorization(config, done.url, start);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: `${tenant.url}/`,
      aud: tenant.portalClient.clientId,
      sub: demoUserId("alice@acme.test"),
      email: "alice@acme.test",
      email_verified: true,
      name: "Alice Admin",
      nonce: start.nonce,
    });
    expect(claims.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(claims).not.toHaveProperty("org_id");
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, email: "alice@acme.test", name: "Alice Admin" });

    // The SSO session: a second /authorize goes straight back with a code.
    const again = await startLogin(browser);
    expect(again.loginUrl.startsWith(CALLBACK)).toBe(true);
    expect(new URL(again.loginUrl).searchParams.get("code")).toBeTruthy();

    // /v2/logout ends it and goes to an allowed URL.
    const out = await browser.request(
      `${tenant.url}/v2/logout?client_id=${tenant.portalClient.clientId}&returnTo=${encodeURIComponent(`${PORTAL}/`)}`,
    );
    expect(out.status).toBe(302);
    expect(out.headers.get("location")).toBe(`${PORTAL}/`);
    const third = await startLogin(browser);
    expect(new URL(third.loginUrl).pathname).toBe("/u/login");
  });

  it("issues a refresh token for offline_access without a consent prompt, and refreshes", async () => {
    const login = await loginAs("lena@vendor.test", DEFAULT_DEMO_PASSWORD, {
      scope: "openid profile email offline_access",
    });
    const tokens = await finishAuthorization(config, login.done.url, login);
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()?.sub).toBe(demoUserId("lena@vendor.test"));
  });

  it("refuses a wrong password on the page, without echoing it, and without a redirect", async () => {
    const { done } = await loginAs("alice@acme.test", "not-the-password-123");
    expect(done.res?.status).toBe(400);
    const html = await done.res!.text();
    expect(html).toContain("Wrong email or password.");
    expect(html).toContain('aria-invalid="true"');
    expect(html).not.toContain("not-the-password-123");
    expect(html).toContain('value="alice@acme.test"');
    // An unknown user reads the same.
    const unknown = await loginAs("nobody@acme.test", "whatever-password");
    expect(await unknown.done.res!.text()).toContain("Wrong email or password.");
  });

  it("fills the e-mail from login_hint, escaped", async () => {
    const start = await startLogin(new HttpBrowser(), { login_hint: '"><b>x</b>@acme.test' });
    const html = await start.res!.text();
    expect(html).toContain('value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;@acme.test"');
  });

  it("escapes what it echoes and refuses a form post without the CSRF token", async () => {
    const { done } = await loginAs('"><script>alert(1)</script>@x.test', "pw");
    const html = await done.res!.text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;");

    const browser = new HttpBrowser();
    const start = await startLogin(browser);
    const forged = await browser.submit(
      start.loginUrl,
      { email: "alice@acme.test", password: DEFAULT_DEMO_PASSWORD },
      atCallback,
    );
    expect(forged.res?.status).toBe(403);
  });

  it("shows Auth0's callback mismatch page for a redirect_uri not in the allow-list, and does not redirect", async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: "https://evil.test/steal",
      scope: "openid",
      state: "s",
    });
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("Callback URL mismatch");
  });

  it("refuses a returnTo that is not an allowed logout URL", async () => {
    const res = await fetch(
      `${tenant.url}/v2/logout?client_id=${tenant.portalClient.clientId}&returnTo=${encodeURIComponent("https://evil.test/")}`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("is not defined as a valid URL in &quot;Allowed Logout URLs&quot;");
    // Without client_id no returnTo is allowed (the tenant has no tenant-level list).
    const bare = await fetch(`${tenant.url}/v2/logout?returnTo=${encodeURIComponent(`${PORTAL}/`)}`, {
      redirect: "manual",
    });
    expect(bare.status).toBe(400);
  });

  it("keeps client credentials on the same token endpoint, and accepts a Basic header for the code grant", async () => {
    const cc = await fetch(`${tenant.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credentials",
        client_id: tenant.mgmtClient.clientId,
        client_secret: tenant.mgmtClient.clientSecret,
        audience: tenant.context.audience,
      }),
    });
    expect(cc.status).toBe(200);

    const basic = await oidc.discovery(
      new URL(tenant.issuer),
      tenant.portalClient.clientId,
      undefined,
      oidc.ClientSecretBasic(tenant.portalClient.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const login = await loginAs("victor@acme.test", DEFAULT_DEMO_PASSWORD);
    const tokens = await finishAuthorization(basic, login.done.url, login);
    expect(tokens.claims()?.email).toBe("victor@acme.test");
  });
});

describe("organizations", () => {
  beforeAll(() => {
    const now = new Date().toISOString();
    const base = { metadata: {}, created_at: now };
    tenant.context.store.state.organizations.push(
      {
        ...base,
        id: "org_AcmeLogin0000001",
        name: "acme",
        display_name: "Acme",
        members: [demoUserId("alice@acme.test")],
        enabled_connections: [
          {
            connection_id: DATABASE_CONNECTION_ID,
            assign_membership_on_login: false,
            is_signup_enabled: false,
            show_as_button: true,
          },
        ],
      },
      {
        ...base,
        id: "org_OpenLogin0000002",
        name: "open",
        display_name: "Open",
        members: [],
        enabled_connections: [
          {
            connection_id: DATABASE_CONNECTION_ID,
            assign_membership_on_login: true,
            is_signup_enabled: false,
            show_as_button: true,
          },
        ],
      },
    );
  });

  it("puts org_id in the ID token for a member", async () => {
    const login = await loginAs("alice@acme.test", DEFAULT_DEMO_PASSWORD, {
      organization: "org_AcmeLogin0000001",
    });
    const tokens = await finishAuthorization(config, login.done.url, login);
    expect(tokens.claims()).toMatchObject({ org_id: "org_AcmeLogin0000001", email: "alice@acme.test" });
  });

  it("refuses a non-member at the callback, and admits one where membership is assigned on login", async () => {
    const refused = await loginAs("bob@globex.test", DEFAULT_DEMO_PASSWORD, { organization: "org_AcmeLogin0000001" });
    const params = new URL(refused.done.url).searchParams;
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("error_description")).toContain("is not a member of the organization acme");
    expect(params.get("state")).toBe(refused.state);

    const admitted = await loginAs("bob@globex.test", DEFAULT_DEMO_PASSWORD, { organization: "open" });
    const tokens = await finishAuthorization(config, admitted.done.url, admitted);
    expect(tokens.claims()?.org_id).toBe("org_OpenLogin0000002");
    expect(tenant.context.store.organization("org_OpenLogin0000002")!.members).toContain(demoUserId("bob@globex.test"));
  });

  it("sends an unknown organization back to the application as invalid_request", async () => {
    const browser = new HttpBrowser();
    const start = await startLogin(browser, { organization: "org_DoesNotExist0000" });
    const params = new URL(start.loginUrl).searchParams;
    expect(params.get("error")).toBe("invalid_request");
    expect(params.get("error_description")).toContain("organization");
  });
});
