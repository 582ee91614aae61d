import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOidcConnectionOptions, startDemoIdps, type DemoIdps } from "../../local-tenant/demo-idps/index.js";
import { enqueueStagedApply } from "~/services/go-live/stages.server";
import { drained, systemScope } from "../support/apply-fixtures";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";
import { newCheckedPage } from "../support/portal";

/**
 * Test login → go live → roll back in Chromium, against the local tenant and the demo IdPs: a
 * version applied to the staged connection, each failure the demo IdPs can produce explained on
 * the result page, go-live refused until a test passes (button and action), then live.
 */

const e2e = portalInBrowser();
let idps: DemoIdps;

beforeAll(async () => {
  idps = await startDemoIdps({ tenantUrl: e2e.portal.tenant!.url });
});
afterAll(async () => {
  await idps?.close();
});

async function orgScope(slug: string) {
  const row = await e2e.portal.database.db
    .selectFrom("organizations")
    .select(["id", "slug", "name", "auth0_org_id"])
    .where("slug", "=", slug)
    .executeTakeFirstOrThrow();
  return systemScope({ id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id });
}

/** The demo IdPs' connections: acme's through the SAML IdP, globex's through the OIDC one. */
function demoConnection(protocol: "saml" | "oidc") {
  if (protocol === "oidc") {
    const options = demoOidcConnectionOptions(idps.oidc);
    return { slug: "globex", connection: { protocol, strategy: "oidc", displayName: "Globex", options } } as const;
  }
  const fieldsMap = {
    email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    given_name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    family_name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
  };
  const options = { metadataUrl: idps.saml.metadataUrl, fieldsMap };
  return { slug: "acme", connection: { protocol, strategy: "samlp", displayName: "Acme", options } } as const;
}

/** An approved version reaching the organization's staged connection (what a change request's apply does). */
async function stage(protocol: "saml" | "oidc", version: number) {
  const { slug, connection } = demoConnection(protocol);
  await enqueueStagedApply(e2e.portal.database.db, await orgScope(slug), { connection: { ...connection, version } });
  await drained(e2e.portal.database.db);
}

/** Test login through the demo SAML IdP with a behaviour (or "cancel"); lands on the result page. */
async function samlTest(page: Page, behaviour: string) {
  await page.goto(`${e2e.portal.url}/orgs/acme/sso/live`);
  await hydrated(page);
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
  await page.waitForURL(/\/orgs\/acme\/sso\/tests\/[0-9a-f-]{36}$/);
}

describe("SAML: test login, failures explained, go live", () => {
  it("refuses go-live before a passing test, explains every failure, passes, and goes live", async () => {
    await stage("saml", 1);
    const { page, problems } = await e2e.signedInPage("/orgs/acme/sso/live", "alice@acme.test");
    expect(await page.getByText("Version 1 (SAML) on").textContent()).toContain("sso-acme-saml-test");
    expect(await page.getByRole("button", { name: "Go live" }).isDisabled()).toBe(true);
    expect(await page.getByText("Run a test login of the version now staged").isVisible()).toBe(true);
    await hydrated(page);
    expect(await axeViolations(page)).toEqual([]);
    // The action refuses too, whatever the page shows.
    const refused = await page.request.post(`${e2e.portal.url}/orgs/acme/sso/live`, {
      form: { intent: "go-live" },
      headers: { origin: e2e.portal.url },
    });
    expect(refused.status()).toBe(400);
    expect(await e2e.portal.database.db.selectFrom("live_events").selectAll().execute()).toEqual([]);

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
    // Each result is mailed to Acme's administrators, a failure with its cause and fix.
    const results = await e2e.portal.database.db
      .selectFrom("outbox_messages")
      .select(["to_address", "subject", "text_body"])
      .where("kind", "=", "test_login.failed")
      .execute();
    expect(results).toHaveLength(causes.length);
    expect(results.every((m) => m.to_address === "alice@acme.test")).toBe(true);
    expect(results[0]!.subject).toBe("Test login failed: Acme single sign-on version 1");
    expect(results.map((m) => m.text_body).join("\n")).toMatch(/not assigned to the application/);
    expect(results[0]!.text_body).toMatch(/What went wrong: .+\nWhat to do: .+/);
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

    await page.goto(`${e2e.portal.url}/orgs/acme/sso/live`);
    await hydrated(page);
    await page.getByRole("button", { name: "Go live" }).click();
    await page.getByText("Version 1 is being put live").waitFor();
    await page.getByText("Putting version 1 live: Done").waitFor();
    expect(await page.getByText("Users can sign in").isVisible()).toBe(true);
    const live = e2e.portal.tenant!.context.store.connectionByName("sso-acme-saml");
    expect(live?.metadata).toMatchObject({ portal_stage: "live", portal_version: "1" });
    expect(live?.enabled_clients).toContain(e2e.portal.tenant!.demoAppClient.clientId);
    expect(live?.enabled_clients).not.toContain(e2e.portal.tenant!.testLoginClient.clientId);
    await page.screenshot({ path: "/tmp/go-live.png", fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 300_000);
});

/** The demo vendor application: sign in through an organization's live connection at a demo IdP. */
async function demoAppSignIn(page: Page, how: { email?: string; org?: string }, idp: "saml" | "oidc", user: string) {
  await page.goto(`${e2e.portal.url}/demo-app`);
  if (how.email) {
    await page.getByLabel("Work e-mail").fill(how.email);
    await page.getByRole("button", { name: "Find my organization" }).click();
    await page.getByRole("link", { name: /Continue with .* single sign-on/ }).click();
  } else {
    await page.getByRole("link", { name: `Sign in with ${how.org}` }).click();
  }
  await page.waitForURL((u) => u.href.startsWith(idp === "saml" ? idps.saml.url : idps.oidc.url));
  await page.getByLabel("Email address").fill(user);
  await page.getByLabel("Password").fill(idps.saml.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${e2e.portal.url}/demo-app`);
  return (await page.getByRole("heading", { level: 2 }).first().textContent()) ?? "";
}

async function liveVersion(name: string) {
  return e2e.portal.tenant!.context.store.connectionByName(name)?.metadata?.portal_version;
}

describe("SAML: the live connection keeps working while a new version is tested; roll back", () => {
  it("signs a customer's user in through the live connection, stages v2, goes live with it, rolls back", async () => {
    const acme = await orgScope("acme");
    // Home-realm discovery by a verified domain (the organization proved it owns saml-idp.test).
    await e2e.portal.database.db
      .insertInto("organization_domains")
      .values({
        organization_id: acme.org.id,
        domain: "saml-idp.test",
        token: "t",
        created_by_label: "test",
        verified_at: new Date(),
        verified_by_label: "test",
        verification_method: "manual",
        manual_reason: "test",
      })
      .execute();
    const { page, problems } = await newCheckedPage(e2e.browser);
    // Alice first: the demo application's sign-ins below replace the tenant's session, not the portal's.
    await e2e.signIn(page, "/orgs/acme/sso/live", "alice@acme.test");
    expect(await demoAppSignIn(page, { email: "ada@saml-idp.test" }, "saml", "ada@saml-idp.test")).toBe(
      "You are Ada Lovelace",
    );
    expect(await page.getByText("sso-acme-saml", { exact: true }).isVisible()).toBe(true);
    await hydrated(page);
    expect(await axeViolations(page)).toEqual([]);

    await stage("saml", 2);
    await page.goto(`${e2e.portal.url}/orgs/acme/sso/live`);
    expect(await page.getByText("Version 2 (SAML) on").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Go live" }).isDisabled()).toBe(true);
    expect(await liveVersion("sso-acme-saml")).toBe("1");
    // While version 2 waits for its test, people still sign in through version 1.
    expect(await demoAppSignIn(page, { org: "Acme" }, "saml", "grace@saml-idp.test")).toBe("You are Grace Hopper");

    await samlTest(page, "none");
    await page.goto(`${e2e.portal.url}/orgs/acme/sso/live`);
    await hydrated(page);
    await page.getByRole("button", { name: "Go live" }).click();
    await page.getByText("Putting version 2 live: Done").waitFor();
    expect(await liveVersion("sso-acme-saml")).toBe("2");

    await page.getByRole("button", { name: "Roll back to version 1" }).click();
    await page.getByText("Rolling back: version 1").waitFor();
    await page.getByText("Putting version 1 live: Done").waitFor();
    expect(await liveVersion("sso-acme-saml")).toBe("1");
    const audit = await e2e.portal.database.db
      .selectFrom("audit_events")
      .select("action")
      .where("action", "in", ["connection.roll_back", "connection.go_live"])
      .where("outcome", "=", "success")
      .execute();
    expect(audit.map((a) => a.action)).toContain("connection.roll_back");
    // Rolled back and told: Acme's administrators and support get the mail.
    const rollBackMail = await e2e.portal.database.db
      .selectFrom("outbox_messages")
      .select(["to_address", "subject", "text_body"])
      .where("kind", "=", "live.roll_back")
      .orderBy("to_address")
      .execute();
    expect(rollBackMail.map((m) => m.to_address)).toEqual(["alice@acme.test", "lena@vendor.test", "sam@vendor.test"]);
    expect(rollBackMail[0]!.subject).toBe("Rolled back: Acme single sign-on is back on version 1");
    expect(rollBackMail[0]!.text_body).toContain("from version 2 to version 1");
    expect(await demoAppSignIn(page, { org: "Acme" }, "saml", "ada@saml-idp.test")).toBe("You are Ada Lovelace");
    expect(problems).toEqual([]);
    await page.context().close();

    // Emergency: a support lead disables Acme's live connection with a reason, then enables it.
    const lead = await newCheckedPage(e2e.browser);
    await e2e.signIn(lead.page, "/support/live", "lena@vendor.test");
    await hydrated(lead.page);
    expect(await axeViolations(lead.page)).toEqual([]);
    await lead.page.getByLabel("Reason").fill("Acme reported a compromised IdP account");
    await lead.page.getByRole("button", { name: /Disable the live connection/ }).click();
    await lead.page.getByText("The live connection is disabled").waitFor();
    expect(e2e.portal.tenant!.context.store.connectionByName("sso-acme-saml")?.enabled_clients).not.toContain(
      e2e.portal.tenant!.demoAppClient.clientId,
    );
    await lead.page.goto(`${e2e.portal.url}/demo-app`);
    expect(await lead.page.getByRole("link", { name: "Sign in with Acme" }).count()).toBe(0);
    await lead.page.goto(`${e2e.portal.url}/support/live`);
    await hydrated(lead.page);
    await lead.page.getByLabel("Reason").fill("Acme rotated the account");
    await lead.page.getByRole("button", { name: /Enable the live connection/ }).click();
    await lead.page.getByText("The live connection is enabled again").waitFor();
    expect(e2e.portal.tenant!.context.store.connectionByName("sso-acme-saml")?.enabled_clients).toContain(
      e2e.portal.tenant!.demoAppClient.clientId,
    );
    const reasons = await e2e.portal.database.db
      .selectFrom("live_events")
      .select("reason")
      .where("action", "in", ["disable", "enable"])
      .execute();
    expect(reasons.map((r) => r.reason)).toEqual([
      "Acme reported a compromised IdP account",
      "Acme rotated the account",
    ]);
    const switched = await e2e.portal.database.db
      .selectFrom("outbox_messages")
      .select(["to_address", "subject", "text_body"])
      .where("kind", "in", ["live.disabled", "live.enabled"])
      .orderBy("id")
      .execute();
    expect(switched.map((m) => `${m.to_address}: ${m.subject}`)).toEqual([
      "alice@acme.test: Disabled: Acme single sign-on",
      "alice@acme.test: Enabled again: Acme single sign-on",
    ]);
    expect(switched[0]!.text_body).toContain("Reason: Acme reported a compromised IdP account");
    expect(lead.problems).toEqual([]);
    await lead.page.context().close();
  }, 300_000);
});

describe("OIDC: test login, failures explained, go live, demo app", () => {
  it("explains each OIDC failure, passes, goes live and signs a user in to the demo application", async () => {
    await stage("oidc", 1);
    const { page, problems } = await e2e.signedInPage("/orgs/globex/sso/live", "bob@globex.test");
    const oidcTest = async (behaviour: string) => {
      await page.goto(`${e2e.portal.url}/orgs/globex/sso/live`);
      await hydrated(page);
      await page.getByRole("link", { name: "Test login" }).click();
      await page.waitForURL((u) => u.href.startsWith(idps.oidc.url));
      if (behaviour === "cancel") {
        await page.getByRole("button", { name: "Cancel" }).click();
      } else {
        await page.getByLabel("Email address").fill("alan@oidc-idp.test");
        await page.getByLabel("Password").fill(idps.oidc.password);
        await page.getByLabel("Test behaviour").selectOption(behaviour);
        await page.getByRole("button", { name: "Sign in" }).click();
      }
      await page.waitForURL(/\/orgs\/globex\/sso\/tests\/[0-9a-f-]{36}$/);
    };
    for (const [behaviour, cause] of [
      ["wrong-issuer", /comes from another issuer/],
      ["reject-client-secret", /did not accept the connection's client secret/],
      ["cancel", /sign-in was cancelled/],
      ["missing-email", /did not send the user's e-mail address/],
    ] as const) {
      await oidcTest(behaviour);
      expect(await page.getByRole("alert").textContent(), behaviour).toMatch(cause);
    }
    // A redirect URI the IdP does not know: it stops on its own page; the test stays unfinished.
    idps.oidc.setMisbehaviour("unregistered-redirect-uri");
    await page.goto(`${e2e.portal.url}/orgs/globex/sso/live`);
    await page.getByRole("link", { name: "Test login" }).click();
    await page.getByText("redirect_uri did not match").waitFor();
    idps.oidc.setMisbehaviour("none");
    // The IdP's own error page answered 400, as it should: the browser logged it.
    expect(problems.splice(0)).toEqual([
      "console.error: Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]);
    await page.goto(`${e2e.portal.url}/orgs/globex/sso/live`);
    // The newest test in the history (its time reads UTC before hydration, local time after).
    const history = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "When" }) });
    await history.getByRole("link").first().click();
    await page.waitForURL(/\/orgs\/globex\/sso\/tests\/[0-9a-f-]{36}$/);
    await page.getByText(/redirect URI \(reply URL\) or ACS URL it does not know/).waitFor();

    await oidcTest("none");
    expect(await page.getByRole("heading", { name: /Result: Passed/ }).isVisible()).toBe(true);
    await page.goto(`${e2e.portal.url}/orgs/globex/sso/live`);
    await hydrated(page);
    await page.getByRole("button", { name: "Go live" }).click();
    await page.getByText("Putting version 1 live: Done").waitFor();
    expect(await liveVersion("sso-globex-oidc")).toBe("1");
    expect(await demoAppSignIn(page, { org: "Globex" }, "oidc", "alan@oidc-idp.test")).toBe("You are Alan Turing");
    expect(await page.getByText("sso-globex-oidc", { exact: true }).isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 300_000);
});
