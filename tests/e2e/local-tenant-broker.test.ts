import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOidcConnectionOptions, startDemoIdps, type DemoIdps } from "../../local-tenant/demo-idps/index.js";
import { startLocalTenant, type LocalTenant } from "../../local-tenant/server.js";
import { axeViolations, launchChromium } from "../support/browser";
import { newCheckedPage } from "../support/portal";
import { managementToken, startTestApplication, type TestApplication } from "../support/test-application";

/**
 * Enterprise broker logins in Chromium: a test application → the local tenant → the demo SAML or
 * OIDC IdP's login form → back through the tenant → the application's callback, and each SAML
 * misbehaviour arriving at the callback as the error the tenant reports.
 */

let app: TestApplication;
let tenant: LocalTenant;
let idps: DemoIdps;
let browser: Browser;

async function createConnection(body: Record<string, unknown>) {
  const access_token = await managementToken(tenant);
  const res = await fetch(`${tenant.managementApiUrl}/connections`, {
    method: "POST",
    headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ ...body, enabled_clients: [tenant.testLoginClient.clientId] }),
  });
  if (res.status !== 201) throw new Error(`connection not created: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  app = await startTestApplication();
  [tenant, browser] = await Promise.all([startLocalTenant({ port: 0, portalUrl: app.url }), launchChromium()]);
  idps = await startDemoIdps({ tenantUrl: tenant.url });
  await app.connect(tenant.issuer, tenant.testLoginClient.clientId, tenant.testLoginClient.clientSecret);
  await createConnection({ name: "acme-saml", strategy: "samlp", options: { metadataUrl: idps.saml.metadataUrl } });
  await createConnection({
    name: "acme-oidc",
    strategy: "oidc",
    options: demoOidcConnectionOptions(idps.oidc),
  });
});
afterAll(async () => {
  await browser?.close();
  await idps?.close();
  await tenant?.close();
  await app?.close();
});

async function signInAtIdp(page: Page, email: string, password: string, behaviour?: string) {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  if (behaviour) await page.getByLabel("Test behaviour").selectOption(behaviour);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(app.callbackUrl)),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

async function claimsOn(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse((await page.locator("#claims").textContent()) ?? "{}") as Record<string, unknown>;
}

describe("SAML broker login in a browser", () => {
  it("signs in through the demo SAML IdP and arrives at the application with the expected user", async () => {
    const { page, problems } = await newCheckedPage(browser);
    await page.goto(`${app.url}/login?connection=acme-saml`);
    expect(page.url().startsWith(`${idps.saml.url}/sso?`)).toBe(true);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Demo SAML IdP");
    expect(await axeViolations(page)).toEqual([]);
    await signInAtIdp(page, "grace@saml-idp.test", idps.saml.password);
    expect(await claimsOn(page)).toMatchObject({
      sub: "samlp|acme-saml|saml-1002",
      email: "grace@saml-idp.test",
      name: "Grace Hopper",
      given_name: "Grace",
      family_name: "Hopper",
      iss: tenant.issuer,
      aud: tenant.testLoginClient.clientId,
    });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it.each([
    [
      "wrong-signing-key",
      "access_denied",
      /^Invalid thumbprint \(configured: [0-9A-F]{40}\. calculated: [0-9A-F]{40}\)$/,
    ],
    ["expired-assertion", "access_denied", /^assertion has expired\.$/],
    ["wrong-audience", "access_denied", /^Audience is invalid\. Configured: urn:auth0:local:acme-saml$/],
  ])("%s: the application's callback receives the error", async (behaviour, error, description) => {
    const { page, problems } = await newCheckedPage(browser);
    await page.goto(`${app.url}/login?connection=acme-saml`);
    await signInAtIdp(page, "ada@saml-idp.test", idps.saml.password, behaviour);
    expect(await page.locator("#error").textContent()).toBe(error);
    expect(await page.locator("#error-description").textContent()).toMatch(description);
    expect(await page.locator("#claims").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("missing-email: the login succeeds, as on Auth0, and the ID token has no email", async () => {
    const { page, problems } = await newCheckedPage(browser);
    await page.goto(`${app.url}/login?connection=acme-saml`);
    await signInAtIdp(page, "ada@saml-idp.test", idps.saml.password, "missing-email");
    const claims = await claimsOn(page);
    expect(claims.sub).toBe("samlp|acme-saml|saml-1001");
    expect(claims).not.toHaveProperty("email");
    expect(claims.name).toBe("Ada Lovelace");
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("OIDC broker login in a browser", () => {
  it("signs in through the demo OIDC IdP and arrives at the application with the expected user", async () => {
    const { page, problems } = await newCheckedPage(browser);
    await page.goto(`${app.url}/login?connection=acme-oidc`);
    expect(page.url().startsWith(`${idps.oidc.url}/interaction/`)).toBe(true);
    await signInAtIdp(page, "katherine@oidc-idp.test", idps.oidc.password);
    expect(await claimsOn(page)).toMatchObject({
      sub: "oidc|acme-oidc|oidc-2002",
      email: "katherine@oidc-idp.test",
      email_verified: true,
      name: "Katherine Johnson",
    });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("universal login in a browser", () => {
  it("is accessible, announces a wrong password, and signs a database user in", async () => {
    const { page, problems } = await newCheckedPage(browser);
    await page.goto(`${app.url}/login`);
    expect(new URL(page.url()).pathname).toBe("/u/login");
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("Email address").fill("alice@acme.test");
    await page.getByLabel("Password").fill("wrong-password-1");
    await page.getByRole("button", { name: "Continue" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Wrong email or password.");
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("Password").fill("Demo-Password-2026");
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(app.callbackUrl)),
      page.getByRole("button", { name: "Continue" }).click(),
    ]);
    expect(await claimsOn(page)).toMatchObject({ email: "alice@acme.test", name: "Alice Admin" });
    // The refused attempt is answered 400 (as Auth0 does), which Chromium logs; nothing else may fail.
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
    expect(problems).toHaveLength(1);
    await page.context().close();
  });
});
