import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";
import { closeCheckedPage, newCheckedPage } from "../support/portal";

/**
 * The SSO setup wizard in Chromium, as Alice (Acme's administrator) and Victor (its viewer) meet
 * it: the demo SAML IdP by metadata URL, a fixture file, manual fields, the demo OIDC IdP with its
 * client; an expired certificate's warning, an XXE file and a private address refused; without
 * JavaScript too. axe on every step; screenshots in test-results/sso-setup/.
 */
const FIXTURES = join(import.meta.dirname, "../fixtures/idp-documents");
const TEST_CERT = join(import.meta.dirname, "../../app/services/idp-documents/testdata/test-cert.pem");
const SHOTS = join(import.meta.dirname, "../../test-results/sso-setup");

const e2e = portalInBrowser({ demoIdps: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
});

/** The page is accessible (axe) and photographed for a person to look at. */
async function checkPage(page: Page, name: string) {
  expect(await axeViolations(page), name).toEqual([]);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function heading(page: Page): Promise<string> {
  return (await page.getByRole("heading", { level: 3 }).first().textContent()) ?? "";
}

async function chooseIdp(page: Page, name: string) {
  await page.goto(`${e2e.portal.url}/orgs/acme/sso/setup?step=idp`);
  await hydrated(page);
  await page.getByRole("radio", { name, exact: true }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: /^Values for / }).waitFor();
}

async function goToDetails(page: Page) {
  await page.getByRole("link", { name: /^Continue to/ }).click();
  await page.getByRole("button", { name: "Check" }).waitFor();
  await hydrated(page);
}

/** The IdP chosen, on to the details step, and `way` chosen for giving them. */
async function detailsBy(page: Page, idp: string, way: string) {
  await chooseIdp(page, idp);
  await goToDetails(page);
  await page.getByRole("radio", { name: way }).check();
}

async function checkAndWait(page: Page) {
  await page.getByRole("button", { name: "Check" }).click();
  await page.getByRole("heading", { name: "Check and save" }).waitFor();
}

async function saveDraft(page: Page) {
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.waitForURL(`${e2e.portal.url}/orgs/acme/sso`);
  await page.getByText(/Draft saved \(version \d+\)/).waitFor();
}

describe("Alice sets up SSO for Acme", () => {
  it("with the demo SAML IdP's metadata URL: values to copy, the guide, the report, Back keeps what she typed", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: e2e.portal.url });
    await e2e.signIn(page, "/orgs/acme/sso", "alice@acme.test");
    await page.getByText("Not configured").waitFor();
    await hydrated(page);
    await checkPage(page, "01-sso-not-configured");
    await page.getByRole("link", { name: "Set up SSO" }).click();
    await page.getByRole("heading", { name: "Choose your identity provider" }).waitFor();
    await hydrated(page);
    await checkPage(page, "02-choose-idp");
    // Continue without a choice: the error sits beside the choices.
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Choose your identity provider.").waitFor();
    await page.getByRole("radio", { name: "Other SAML 2.0", exact: true }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Values for your SAML 2.0 identity provider" }).waitFor();
    await hydrated(page);
    const values = page.locator(".sp-values");
    expect(await values.textContent()).toContain("/login/callback?connection=sso-acme-saml");
    expect(await values.textContent()).toMatch(/urn:auth0:[^:]+:sso-acme-saml/);
    await page.getByRole("button", { name: "Copy ACS URL" }).first().click();
    await page.getByRole("status").filter({ hasText: "Copied" }).first().waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("connection=sso-acme-saml");
    expect(await page.getByRole("list").filter({ hasText: "Assertion Consumer Service URL" }).count()).toBe(1);
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download SP metadata" }).click();
    expect((await download).suggestedFilename()).toBe("acme-sp-metadata.xml");
    await checkPage(page, "03-values-saml");

    await goToDetails(page);
    await checkPage(page, "04-details-saml");
    await page.getByRole("radio", { name: "By its metadata URL" }).check();
    await page.getByLabel("Metadata URL", { exact: true }).fill(e2e.portal.demoIdps!.saml.metadataUrl);
    await checkAndWait(page);
    const report = page.locator(".report");
    await report.getByText("Everything checks out.").waitFor();
    expect(await report.textContent()).toContain(e2e.portal.demoIdps!.saml.entityId);
    expect(await page.locator(".certificates").textContent()).toMatch(/RSA 2048 bits/);
    expect(await page.locator(".certificates .fingerprint").first().textContent()).toMatch(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
    expect(await page.getByRole("heading", { name: "What will be written to Auth0" }).isVisible()).toBe(true);
    await checkPage(page, "05-check-saml-url");

    // The browser's Back returns to the details with the URL still there.
    await page.goBack();
    await page.getByRole("button", { name: "Check" }).waitFor();
    expect(await page.getByLabel("Metadata URL", { exact: true }).inputValue()).toBe(
      e2e.portal.demoIdps!.saml.metadataUrl,
    );
    await page.goForward();
    await page.getByRole("heading", { name: "Check and save" }).waitFor();
    await hydrated(page);
    await saveDraft(page);
    await page.getByText("Draft", { exact: true }).first().waitFor();
    expect(await page.locator("main").textContent()).toContain("saved by alice@acme.test");
    await checkPage(page, "06-sso-draft");
    await closeCheckedPage({ page, problems });
  });

  it("with a metadata file, then by manual fields (IdP strings shown as text), then a private address refused", async () => {
    const { page, problems } = await e2e.signedInPage("/orgs/acme/sso", "alice@acme.test");
    await detailsBy(page, "Okta", "By uploading its metadata file");
    await page.getByLabel("Metadata file", { exact: true }).setInputFiles(join(FIXTURES, "saml-okta-1.xml"));
    await checkAndWait(page);
    expect(await page.locator(".report").textContent()).toContain("matches Okta");
    await hydrated(page);
    await saveDraft(page);
    expect(await page.locator("main").textContent()).toContain("Metadata file saml-okta-1.xml");

    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    const hostile = `<img src=x onerror=alert(1)>javascript:alert(2)`;
    await detailsBy(page, "Other SAML 2.0", "By typing the details in");
    await page.getByLabel("Sign-in URL", { exact: true }).fill("https://idp.example.com/sso");
    await page.getByLabel("IdP entity ID", { exact: true }).fill(hostile);
    await page.getByLabel("Signing certificate file", { exact: true }).setInputFiles(TEST_CERT);
    await checkAndWait(page);
    expect(await page.locator(".report").textContent()).toContain(hostile);
    expect(dialogs).toBe(0);
    await checkPage(page, "07-check-manual");

    await page.getByRole("link", { name: "Back" }).click();
    await page.getByRole("radio", { name: "By its metadata URL" }).check();
    await page.getByLabel("Metadata URL", { exact: true }).fill("http://169.254.169.254/latest/meta-data");
    await checkAndWait(page);
    expect(await page.locator(".findings.error").textContent()).toMatch(/only fetches from public internet addresses/);
    expect(await page.getByRole("button", { name: "Save draft" }).count()).toBe(0);
    await checkPage(page, "08-check-private-address");
    await closeCheckedPage({ page, problems });
  });

  it("an expired certificate's warning must be acknowledged; an XXE file and an oversized one are refused", async () => {
    const { page, problems } = await e2e.signedInPage("/orgs/acme/sso", "alice@acme.test");
    await detailsBy(page, "AD FS", "By uploading its metadata file");
    await page.getByLabel("Metadata file", { exact: true }).setInputFiles({
      name: "too-big.xml",
      mimeType: "application/xml",
      buffer: Buffer.alloc(1536 * 1024, "a"),
    });
    await page.getByRole("button", { name: "Check" }).click();
    // Refused by the action (the browser's size hint is cleared on submit): a message beside the field, nothing stored.
    await page
      .locator(".field-error")
      .getByText(/The file is 1\.5 MB/)
      .waitFor();
    expect(page.url()).toContain("step=details");
    const progress = await e2e.portal.database.db.selectFrom("connection_setup_progress").select("input").execute();
    expect(JSON.stringify(progress)).not.toContain("too-big.xml");
    await checkPage(page, "09-details-oversized-file");

    await page.getByLabel("Metadata file", { exact: true }).setInputFiles(join(FIXTURES, "evil-xxe-file-1.xml"));
    await checkAndWait(page);
    expect(await page.locator(".findings.error").textContent()).toMatch(/DOCTYPE|entit/i);
    expect(await page.getByRole("button", { name: "Save draft" }).count()).toBe(0);

    await page.getByRole("link", { name: /Back to your IdP/ }).click();
    await page.getByLabel("Metadata file", { exact: true }).setInputFiles(join(FIXTURES, "saml-adfs-1.xml"));
    await checkAndWait(page);
    await hydrated(page);
    expect(await page.locator(".findings.warn").textContent()).toMatch(/expired/i);
    expect(await page.locator(".certificates").textContent()).toContain("expired");
    await checkPage(page, "10-check-expired-warning");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Read the warnings above and tick the box to confirm before saving.").waitFor();
    await page.getByLabel(/I have read the/).check();
    await saveDraft(page);
    // The oversized upload's 400 answer is logged by Chromium; nothing else may be.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await page.context().close();
  });

  it("with the demo OIDC IdP's discovery URL and client: the secret is stored, never shown back", async () => {
    const { page, problems } = await e2e.signedInPage("/orgs/acme/sso", "alice@acme.test");
    const oidc = e2e.portal.demoIdps!.oidc;
    await chooseIdp(page, "Other OpenID Connect");
    expect(await page.locator(".sp-values").textContent()).toContain("/login/callback");
    await checkPage(page, "11-values-oidc");
    await goToDetails(page);
    await page.getByLabel("Discovery URL", { exact: true }).fill(oidc.discoveryUrl);
    await page.getByLabel("Client ID", { exact: true }).fill(oidc.client.clientId);
    await page.getByLabel("Client secret", { exact: true }).fill(oidc.client.clientSecret);
    await checkPage(page, "12-details-oidc");
    await checkAndWait(page);
    expect(await page.locator(".report").textContent()).toContain(oidc.issuer);
    expect(await page.content()).not.toContain(oidc.client.clientSecret);
    await checkPage(page, "13-check-oidc");
    await hydrated(page);
    await saveDraft(page);
    expect(await page.locator("main").textContent()).toContain("stored encrypted (never shown)");
    expect(await page.content()).not.toContain(oidc.client.clientSecret);

    // Editing: the secret field is empty, says one is stored, and an empty field keeps it.
    await page.goto(`${e2e.portal.url}/orgs/acme/sso/setup?step=details`);
    await hydrated(page);
    expect(await page.getByLabel("Replace the client secret").inputValue()).toBe("");
    expect(await page.getByText("A secret is stored").isVisible()).toBe(true);
    await checkAndWait(page);
    await hydrated(page);
    await saveDraft(page);
    const raw = await e2e.portal.database.db
      .selectFrom("connection_drafts")
      .select("configuration")
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(raw.configuration)).not.toContain(oidc.client.clientSecret);
    expect(JSON.stringify(raw.configuration)).toContain("$sealed");
    await closeCheckedPage({ page, problems });
  });

  it("works without JavaScript: choose, read the values, give the URL, check and save", async () => {
    const context = await e2e.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await e2e.signIn(page, "/orgs/acme/sso", "alice@acme.test");
    await page.goto(`${e2e.portal.url}/orgs/acme/sso/setup?step=idp`);
    await page.getByRole("radio", { name: "Keycloak", exact: true }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Values for Keycloak" }).waitFor();
    await page.getByRole("link", { name: /^Continue to/ }).click();
    await page.getByRole("radio", { name: "By its metadata URL" }).check();
    await page.getByLabel("Metadata URL", { exact: true }).fill(e2e.portal.demoIdps!.saml.metadataUrl);
    await page.getByRole("button", { name: "Check" }).click();
    await page.getByRole("heading", { name: "Check and save" }).waitFor();
    expect(await heading(page)).toBe("Check and save");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(`${e2e.portal.url}/orgs/acme/sso`);
    await page.getByText(/Draft saved/).waitFor();
    await context.close();
  });
});

describe("Victor, a viewer", () => {
  it("sees the SSO page and the draft without any action, and cannot open the wizard", async () => {
    const { page, problems } = await e2e.signedInPage("/orgs/acme/sso", "victor@acme.test");
    await page.getByRole("heading", { name: "Draft", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: /Set up SSO|Edit draft/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Discard draft" }).count()).toBe(0);
    await hydrated(page);
    await checkPage(page, "14-sso-viewer");
    const setup = await page.goto(`${e2e.portal.url}/orgs/acme/sso/setup`);
    expect(setup?.status()).toBe(403);
    expect(problems.filter((p) => !/403/.test(p))).toEqual([]);
    await page.context().close();
  });
});
