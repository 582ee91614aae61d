import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoIdps, type DemoIdps } from "../../local-tenant/demo-idps/index.js";
import { DEFAULT_DEMO_PASSWORD } from "../../local-tenant/seed";
import { enqueueStagedApply } from "~/services/go-live/stages.server";
import { drained, systemScope } from "../support/apply-fixtures";
import { axeViolations, launchChromium } from "../support/browser";
import { newCheckedPage, startTestPortal, type TestPortal } from "../support/portal";

/**
 * Test login → go live → roll back in Chromium, against the local tenant and the demo IdPs: a
 * version applied to the staged connection, each failure the demo IdPs can produce explained on
 * the result page, go-live refused until a test passes (button and action), then live.
 */

let portal: TestPortal;
let browser: Browser;
let idps: DemoIdps;

beforeAll(async () => {
  [portal, browser] = await Promise.all([startTestPortal(), launchChromium()]);
  idps = await startDemoIdps({ tenantUrl: portal.tenant!.url });
});
afterAll(async () => {
  await idps?.close();
  await browser?.close();
  await portal?.stop();
});

async function acme() {
  const row = await portal.database.db
    .selectFrom("organizations")
    .select(["id", "slug", "name", "auth0_org_id"])
    .where("slug", "=", "acme")
    .executeTakeFirstOrThrow();
  return systemScope({ id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id });
}

/** An approved version reaching the staged connection (what a change request's apply does). */
async function stageSaml(version: number) {
  await enqueueStagedApply(portal.database.db, await acme(), {
    connection: {
      protocol: "saml",
      strategy: "samlp",
      version,
      displayName: "Acme",
      options: {
        metadataUrl: idps.saml.metadataUrl,
        fieldsMap: {
          email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
          given_name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
          family_name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        },
      },
    },
  });
  await drained(portal.database.db);
}

async function signIn(page: Page, path: string) {
  await page.goto(`${portal.url}${path}`);
  await page.getByLabel("Email address").fill("alice@acme.test");
  await page.getByLabel("Password").fill(DEFAULT_DEMO_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${portal.url}${path}`);
}

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
}

/** Test login through the demo SAML IdP with a behaviour (or "cancel"); lands on the result page. */
async function samlTest(page: Page, behaviour: string) {
  await page.goto(`${portal.url}/orgs/acme/sso/live`);
  await page.getByRole("link", { name: "Test login" }).click();
  await page
    .waitForURL((u) => u.href.startsWith(idps.saml.url), { timeout: 5000 })
    .catch(async (e) => {
      console.log("DEBUG", page.url(), (await page.content()).slice(0, 3000));
      throw e;
    });
  await page.getByLabel("Email address").fill("ada@saml-idp.test");
  await page.getByLabel("Password").fill(idps.saml.password);
  if (behaviour === "cancel") {
    await page.getByRole("button", { name: "Cancel" }).click();
  } else {
    await page.getByLabel("Test behaviour").selectOption(behaviour);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.waitForURL(/\/orgs\/acme\/sso\/tests\/[0-9a-f-]{36}$/, { timeout: 8000 }).catch(async (e) => {
    console.log("DEBUG2", behaviour, page.url(), (await page.content()).slice(0, 3000));
    throw e;
  });
}

describe("SAML: test login, failures explained, go live", () => {
  it("refuses go-live before a passing test, explains every failure, passes, and goes live", async () => {
    await stageSaml(1);
    const { page, problems } = await newCheckedPage(browser);
    await signIn(page, "/orgs/acme/sso/live");
    expect(await page.getByText("Version 1 (SAML) on").textContent()).toContain("sso-acme-saml-test");
    expect(await page.getByRole("button", { name: "Go live" }).isDisabled()).toBe(true);
    expect(await page.getByText("Run a test login of the version now staged").isVisible()).toBe(true);
    await hydrated(page);
    expect(await axeViolations(page)).toEqual([]);
    // The action refuses too, whatever the page shows.
    const refused = await page.request.post(`${portal.url}/orgs/acme/sso/live`, {
      form: { intent: "go-live" },
      headers: { origin: portal.url },
    });
    expect(refused.status()).toBe(400);
    expect(await portal.database.db.selectFrom("live_events").selectAll().execute()).toEqual([]);

    const causes: [string, RegExp][] = [
      ["wrong-signing-key", /signed the response with a certificate the connection does not know/],
      ["expired-assertion", /outside its validity period/],
      ["not-yet-valid", /outside its validity period/],
      ["wrong-audience", /addressed to another service provider/],
      ["wrong-destination", /names another address than this connection's ACS URL/],
      ["unsigned-assertion", /sent the SAML response unsigned/],
      ["nameid-policy-error", /refused the sign-in request/],
      ["user-not-assigned", /not assigned to the application/],
      ["cancel", /did not sign the user in: they cancelled/],
      ["missing-email", /did not send the user's e-mail address/],
    ];
    for (const [behaviour, cause] of causes) {
      await samlTest(page, behaviour);
      const alert = page.getByRole("alert");
      expect(await alert.textContent(), behaviour).toMatch(cause);
      expect(await page.getByText("Failed", { exact: true }).first().isVisible()).toBe(true);
    }
    // The last failure (missing e-mail) signed in: its checks and attributes show what came back.
    expect(await page.getByRole("heading", { name: "Checks" }).isVisible()).toBe(true);
    await hydrated(page);
    expect(await axeViolations(page)).toEqual([]);

    await samlTest(page, "none");
    expect(await page.getByRole("heading", { name: /Result: Passed/ }).isVisible()).toBe(true);
    expect(await page.getByText("Signed in as samlp|sso-acme-saml-test|saml-1001").isVisible()).toBe(true);
    const attributes = page.getByRole("table", { name: "Attributes from the identity provider" });
    expect(await attributes.textContent()).toContain("http://schemas.xmlsoap.org/claims/Group");
    expect(await attributes.textContent()).toContain("Analytical Engines");
    await hydrated(page);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "/tmp/test-login-passed.png", fullPage: true });

    await page.goto(`${portal.url}/orgs/acme/sso/live`);
    await hydrated(page);
    await page.getByRole("button", { name: "Go live" }).click();
    await page.getByText("Version 1 is being put live").waitFor();
    await page.getByText("Putting version 1 live: Done").waitFor();
    expect(await page.getByText("Users can sign in").isVisible()).toBe(true);
    const live = portal.tenant!.context.store.connectionByName("sso-acme-saml");
    expect(live?.metadata).toMatchObject({ portal_stage: "live", portal_version: "1" });
    expect(live?.enabled_clients).toContain(portal.tenant!.demoAppClient.clientId);
    expect(live?.enabled_clients).not.toContain(portal.tenant!.testLoginClient.clientId);
    await page.screenshot({ path: "/tmp/go-live.png", fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
