import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";
import { newCheckedPage } from "../support/portal";

/**
 * Change requests in Chromium, as Alice (Acme's administrator) and Lena (the vendor's support
 * lead) meet them: Alice submits from the wizard, Lena finds it in the queue, reads the diff and
 * approves, and Alice's open page follows the apply to the staged -test connection without a
 * reload; Lena rejects the next one with a reason, which Alice reads on her page and in her mail;
 * the applied version is tested and put live; a certificate-only rotation is approved by the
 * policy at once; an earlier version is restored from the versions page (and waits on the test
 * connection while version 1 stays live). axe on every page; screenshots in test-results/change-requests/.
 */
const SHOTS = join(import.meta.dirname, "../../test-results/change-requests");
const FIXTURES = join(import.meta.dirname, "../fixtures/idp-documents");
const NEW_CERT = join(import.meta.dirname, "../../app/services/idp-documents/testdata/test-cert.pem");

const e2e = portalInBrowser({ demoIdps: true });
let alice: { page: Page; problems: string[] };
let lena: { page: Page; problems: string[] };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  alice = await newCheckedPage(e2e.browser);
  lena = await newCheckedPage(e2e.browser);
  await e2e.signIn(alice.page, "/orgs/acme/sso", "alice@acme.test");
  await e2e.signIn(lena.page, "/support/changes", "lena@vendor.test");
});

/** The page is accessible (axe) and photographed for a person to look at. */
async function checkPage(page: Page, name: string) {
  await hydrated(page);
  expect(await axeViolations(page), name).toEqual([]);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Marks the document; `stillSameDocument` then tells whether the page was never reloaded or left
 * (what the user sees changed through the page's own revalidation).
 */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { __sameDocument?: boolean }).__sameDocument = true));
}
async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

/** Through the wizard as "Other SAML 2.0": the IdP's details given by `details`, checked, saved and submitted. */
async function submitThroughWizard(page: Page, details: (page: Page) => Promise<void>, name: string) {
  await page.goto(`${e2e.portal.url}/orgs/acme/sso/setup?step=idp`);
  await hydrated(page);
  await page.getByRole("radio", { name: "Other SAML 2.0", exact: true }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("link", { name: /^Continue to/ }).click();
  await page.getByRole("button", { name: "Check" }).waitFor();
  await hydrated(page);
  await details(page);
  await page.getByRole("button", { name: "Check" }).click();
  await page.getByRole("heading", { name: "Check and save" }).waitFor();
  await hydrated(page);
  const acknowledge = page.getByLabel(/I have read the/);
  if (await acknowledge.count()) await acknowledge.check();
  await page.getByLabel(/Submit for review as soon as it is saved/).check();
  await checkPage(page, `${name}-wizard-check`);
  await page.getByRole("button", { name: /^Save/ }).click();
  await page.waitForURL(`${e2e.portal.url}/orgs/acme/sso`);
}

async function byMetadataUrl(page: Page) {
  await page.getByRole("radio", { name: "By its metadata URL" }).check();
  await page.getByLabel("Metadata URL", { exact: true }).fill(e2e.portal.demoIdps!.saml.metadataUrl);
}

function byMetadataFile(path: string) {
  return async (page: Page) => {
    await page.getByRole("radio", { name: "By uploading its metadata file" }).check();
    await page.getByLabel("Metadata file", { exact: true }).setInputFiles(path);
  };
}

/** The open change of Acme's, from the database: its id and state. */
async function latestChange() {
  return e2e.portal.database.db
    .selectFrom("change_requests")
    .select(["id", "state", "version", "policy_rule"])
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();
}

function connection(name: string) {
  return e2e.portal.tenant!.context.store.connectionByName(name);
}

describe("a change from the wizard to the staged connection", () => {
  it("Alice submits, Lena reviews the diff and approves, Alice watches it apply without reloading", async () => {
    const { page } = alice;
    await submitThroughWizard(page, byMetadataUrl, "01");
    await page.getByText("Submitted for review. You will get an e-mail").waitFor();
    const change = await latestChange();
    const article = page.locator(`#change-${change.id}`);
    await article.getByText("Waiting for review by support").waitFor();
    expect(await page.getByRole("heading", { name: /Status: Waiting for review/ }).isVisible()).toBe(true);
    await checkPage(page, "02-sso-waiting-for-review");
    await markDocument(page);

    // Lena: the queue shows Acme's change with its author, risk and the report's verdict.
    await lena.page.goto(`${e2e.portal.url}/support/changes`);
    const row = lena.page.getByRole("row").filter({ hasText: "Acme" });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/alice@acme\.test/);
    expect(await row.textContent()).toMatch(/Medium risk/);
    await checkPage(lena.page, "03-support-queue");
    await row.getByRole("link").first().click();
    await lena.page.getByRole("heading", { name: new RegExp(`Change #${change.id}`) }).waitFor();
    const diff = lena.page.getByRole("table", { name: /Field-by-field difference/ });
    expect(await diff.textContent()).toContain(e2e.portal.demoIdps!.saml.entityId);
    expect(await lena.page.getByText("First connection:").isVisible()).toBe(true);
    await checkPage(lena.page, "04-support-change-diff");
    await lena.page.getByRole("button", { name: "Approve" }).click();
    await lena.page.getByText(`Change #${change.id} approved`).waitFor();

    // Alice's page, untouched, follows the review and each apply step to the end.
    await article.getByText(`Applied as version 1.`).waitFor({ timeout: 20_000 });
    expect(await article.getByText("Approved by lena@vendor.test").isVisible()).toBe(true);
    expect(await article.locator('.progress-steps li[data-done="yes"]').allTextContents()).toEqual([
      "✓ Test connection written to Auth0 (done)",
      "✓ Enabled for the test application (done)",
    ]);
    await page.getByRole("heading", { name: /Status: Ready to test/ }).waitFor();
    expect(await stillSameDocument(page)).toBe(true);
    await checkPage(page, "05-sso-applied");

    // ADR 009: the version went to the staged connection, for the test application only; nothing is live.
    const staged = connection("sso-acme-saml-test");
    expect(staged?.metadata).toMatchObject({ portal_stage: "test", portal_version: "1" });
    expect(staged?.enabled_clients).toEqual([e2e.portal.tenant!.testLoginClient.clientId]);
    expect(connection("sso-acme-saml")).toBeUndefined();
    // Lena's page followed too.
    await lena.page.getByText("Applied to the test connection").waitFor();
    await checkPage(lena.page, "06-support-change-applied");

    // The applied version is the one the test page offers to test: a passing test through the demo IdP.
    await page.getByRole("link", { name: "Test login, go live and roll back" }).click();
    expect(await page.getByText("Version 1 (SAML) on").textContent()).toContain("sso-acme-saml-test");
    await hydrated(page);
    await page.getByRole("link", { name: "Test login" }).click();
    await page.waitForURL((u) => u.href.startsWith(e2e.portal.demoIdps!.saml.url));
    await page.getByLabel("Email address").fill("ada@saml-idp.test");
    await page.getByLabel("Password").fill(e2e.portal.demoIdps!.saml.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/orgs\/acme\/sso\/tests\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: /Result: Passed/ }).waitFor();
    // Counted for the operator (local mode serves /metrics without a token).
    expect(await (await fetch(`${e2e.portal.url}/metrics`)).text()).toContain(
      'sso_portal_test_logins_total{outcome="succeeded"} 1',
    );
    await page.goto(`${e2e.portal.url}/orgs/acme/sso/live`);
    await hydrated(page);
    await page.getByRole("button", { name: "Go live" }).click();
    await page.getByText("Putting version 1 live: Done").waitFor();
    expect(connection("sso-acme-saml")?.metadata).toMatchObject({ portal_stage: "live", portal_version: "1" });
    await page.goto(`${e2e.portal.url}/orgs/acme/sso`);
    await page.getByRole("heading", { name: /Status: Live/ }).waitFor();
    // Alice's mail tells each step: approved, applied, the test's result, the go-live.
    await page.goto(`${e2e.portal.url}/outbox`);
    const subjects = await page.locator("summary strong").allTextContents();
    expect(subjects.slice(0, 4)).toEqual([
      "Going live: Acme single sign-on version 1",
      "Test login passed: Acme single sign-on version 1",
      "Applied: single sign-on version 1 for Acme",
      `Approved: your single sign-on change #${change.id}`,
    ]);
  }, 180_000);
});

describe("a rejected change", () => {
  it("Lena rejects the next change with a reason; Alice reads it on her page and in her mail", async () => {
    const { page } = alice;
    await submitThroughWizard(page, byMetadataFile(join(FIXTURES, "saml-okta-1.xml")), "07");
    const change = await latestChange();
    expect(change.state).toBe("pending_review");
    const article = page.locator(`#change-${change.id}`);
    await article.getByText("Waiting for review by support").waitFor();
    await markDocument(page);

    await lena.page.goto(`${e2e.portal.url}/support/changes/${change.id}`);
    await hydrated(lena.page);
    // The entity ID changes from the demo IdP's to Okta's: high risk, and the diff shows both.
    expect(await lena.page.getByText("High risk").isVisible()).toBe(true);
    const diff = lena.page.getByRole("table", { name: /Field-by-field difference/ });
    expect(await diff.textContent()).toContain(e2e.portal.demoIdps!.saml.entityId);
    expect(await diff.textContent()).toContain("http://www.okta.com/");
    // A rejection needs a reason.
    await lena.page.getByRole("button", { name: "Reject" }).click();
    await lena.page.getByText("Say why: the customer reads this to fix the change.").waitFor();
    await checkPage(lena.page, "08-support-reject-needs-reason");
    const reason = "This is Okta's sample metadata, not your IdP's: upload the metadata of your own Okta application.";
    await lena.page.getByLabel("Reason").fill(reason);
    await lena.page.getByRole("button", { name: "Reject" }).click();
    await lena.page.getByText(`Change #${change.id} rejected`).waitFor();

    // Alice's page, untouched, shows the outcome with the reason.
    const outcome = article.getByRole("status").filter({ hasText: "Not approved by lena@vendor.test" });
    await outcome.waitFor({ timeout: 20_000 });
    expect(await outcome.textContent()).toContain(reason);
    expect(await stillSameDocument(page)).toBe(true);
    // The draft is hers to edit again.
    expect(await page.getByRole("link", { name: "Edit draft" }).isVisible()).toBe(true);
    await checkPage(page, "09-sso-rejected");

    await page.goto(`${e2e.portal.url}/outbox`);
    const mail = page.locator("li").filter({ hasText: `Not approved: your single sign-on change #${change.id}` });
    await mail.locator("summary").click();
    expect(await mail.locator("pre").textContent()).toContain(`Reason: ${reason}`);
    expect(await page.locator("main").textContent()).not.toContain("Review needed");
    await checkPage(page, "10-outbox-alice");
    // The rejected draft is discarded: the next change starts from what is applied.
    await page.goto(`${e2e.portal.url}/orgs/acme/sso`);
    await hydrated(page);
    await page.getByRole("button", { name: "Discard draft" }).click();
    await page.getByText("The draft was discarded.").waitFor();
  }, 180_000);
});

describe("a certificate-only rotation", () => {
  it("is approved by the policy at once and applied as the next version", async () => {
    const { page } = alice;
    // The demo IdP's metadata with a second, new signing certificate beside the current one.
    const metadata = await (await fetch(e2e.portal.demoIdps!.saml.metadataUrl)).text();
    const pem = readFileSync(NEW_CERT, "utf8");
    const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, "");
    const added = `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const rotated = metadata.replace("</md:KeyDescriptor>", `</md:KeyDescriptor>${added}`);
    expect(rotated).not.toBe(metadata);
    const file = join(tmpdir(), `acme-rotated-${process.pid}.xml`);
    writeFileSync(file, rotated);

    await submitThroughWizard(page, byMetadataFile(file), "11");
    await page.getByText(/Submitted and approved at once \(Only signing certificates changed/).waitFor();
    const change = await latestChange();
    expect(change.policy_rule).toBe("certificate-rotation");
    const article = page.locator(`#change-${change.id}`);
    await article.getByText("Applied as version 2.").waitFor({ timeout: 20_000 });
    expect(
      await article.getByText(/Approved by policy: certificate-rotation — Only signing certificates/).count(),
    ).toBe(1);
    await checkPage(page, "12-sso-rotation-applied");
    expect(connection("sso-acme-saml-test")?.metadata).toMatchObject({ portal_version: "2" });
    // Support sees which rule decided, and why, in the change and the audit log.
    await lena.page.goto(`${e2e.portal.url}/support/changes/${change.id}`);
    expect(await lena.page.getByText(/Certificate rotation: Only signing certificates changed/).isVisible()).toBe(true);
    const audit = await e2e.portal.database.db
      .selectFrom("audit_events")
      .select(["actor_label", "details"])
      .where("action", "=", "change.auto_approved")
      .where("target", "=", `change #${change.id}`)
      .executeTakeFirstOrThrow();
    expect(audit.actor_label).toBe("policy: certificate-rotation");
    expect(JSON.stringify(audit.details)).toContain("Only signing certificates changed");
  }, 180_000);
});

describe("versions", () => {
  it("Alice restores version 1 from the versions page; it is reviewed, applied as version 3, and nothing is overwritten", async () => {
    const { page } = alice;
    await page.goto(`${e2e.portal.url}/orgs/acme/sso/versions`);
    await hydrated(page);
    const table = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Approved by" }) });
    expect(await table.getByRole("row").count()).toBe(1 + 2);
    await checkPage(page, "13-versions");
    await page.getByRole("button", { name: "Restore this version (1)" }).click();
    await page.getByText(/Version 1 (is being restored|was submitted again) as change #\d+/).waitFor();
    const change = await latestChange();
    await markDocument(page);

    if (change.state === "pending_review") {
      // Restoring drops the certificate version 2 added: support looks at it.
      await lena.page.goto(`${e2e.portal.url}/support/changes/${change.id}`);
      await hydrated(lena.page);
      expect(await lena.page.getByText(/Restore of the previous version/).isVisible()).toBe(true);
      await lena.page.getByRole("button", { name: "Approve" }).click();
      await lena.page.getByText(`Change #${change.id} approved`).waitFor();
    }
    const article = page.locator(`#change-${change.id}`);
    await article.getByText("Applied as version 3.").waitFor({ timeout: 20_000 });
    await table.getByRole("row").nth(3).waitFor();
    expect(await table.getByRole("row").count()).toBe(1 + 3);
    expect(await table.getByRole("row").nth(1).textContent()).toMatch(
      /^3\s*On the test connection.*Restores version 1/,
    );
    // Version 1 stays live meanwhile: the restored copy waits on the test connection for its own test.
    expect(await table.getByRole("row").nth(3).textContent()).toMatch(/^1\s*Live/);
    expect(connection("sso-acme-saml")?.metadata).toMatchObject({ portal_version: "1" });
    expect(await stillSameDocument(page)).toBe(true);
    await checkPage(page, "14-versions-restored");
    expect(connection("sso-acme-saml-test")?.metadata).toMatchObject({ portal_version: "3" });
    const versions = await e2e.portal.database.db
      .selectFrom("change_requests")
      .select("version")
      .where("state", "=", "applied")
      .orderBy("version")
      .execute();
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);

    expect(alice.problems).toEqual([]);
    expect(lena.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  }, 180_000);
});
