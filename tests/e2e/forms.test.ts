import type { BrowserContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { sessionCookieFor } from "../support/auth";
import { axeViolations } from "../support/browser";
import { portalInBrowser } from "../support/e2e";

/**
 * The one form plumbing (ADR 010) as a person meets it: the same schema refuses bad input in the
 * browser before anything is sent, and in the action when JavaScript is off; errors sit beside
 * their fields, the first wrong field has the focus, nothing typed is lost, and success is a
 * redirect with a message shown once.
 */

const e2e = portalInBrowser();

async function signedIn(
  email: string,
  javaScriptEnabled: boolean,
): Promise<{ context: BrowserContext; problems: string[] }> {
  const context = await e2e.browser.newContext({ javaScriptEnabled });
  context.setDefaultTimeout(15_000);
  const [name, value] = (await sessionCookieFor(e2e.portal.database.db, email)).split("=") as [string, string];
  await context.addCookies([{ name, value, url: e2e.portal.url }]);
  const problems: string[] = [];
  context.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
  });
  context.on("weberror", (err) => problems.push(`page error: ${err.error().message}`));
  return { context, problems };
}

async function invitationCount(): Promise<number> {
  const row = await e2e.portal.database.db
    .selectFrom("invitations")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("forms on one schema", () => {
  it("with JavaScript: refused in the browser beside the field, focused, nothing sent; then created", async () => {
    const { context, problems } = await signedIn("alice@acme.test", true);
    const page = await context.newPage();
    await page.goto(`${e2e.portal.url}/orgs/acme/links`);
    await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
    const form = page.locator("form", { has: page.getByRole("button", { name: "Create setup link" }) });
    const before = await invitationCount();
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posts.push(r.url());
    });

    await form.getByLabel("Maximum uses").fill("0");
    await form.getByLabel("Valid for (hours)").fill("9999");
    await form.getByRole("button", { name: "Create setup link" }).click();
    const uses = form.getByLabel("Maximum uses");
    await form.getByText("At least 1.").waitFor();
    expect(await uses.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await uses.getAttribute("aria-describedby"))!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe("At least 1.");
    expect(await form.getByText("At most 720 hours (30 days).").isVisible()).toBe(true);
    expect(await uses.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(posts).toEqual([]);
    expect(await invitationCount()).toBe(before);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "test-results/forms-js-refused.png", fullPage: true });

    await uses.fill("2");
    await form.getByLabel("Valid for (hours)").fill("48");
    await form.getByRole("button", { name: "Create setup link" }).click();
    await page.getByRole("status").filter({ hasText: "Setup link created" }).waitFor();
    const shown = page.getByRole("group", { name: /^Setup link/ });
    expect(await shown.locator("code").textContent()).toMatch(/\/invites\/[A-Za-z0-9_-]{43}$/);
    expect(await shown.getByRole("heading").textContent()).toContain("2 uses");
    expect(await invitationCount()).toBe(before + 1);
    expect(new URL(page.url()).pathname).toBe("/orgs/acme/links");
    await page.screenshot({ path: "test-results/forms-js-created.png", fullPage: true });
    // Shown once: the page again no longer has it.
    await page.reload();
    await page.getByRole("heading", { level: 2, name: "Setup links" }).waitFor();
    expect(await page.getByRole("group", { name: /^Setup link/ }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("without JavaScript: refused by the action with the same messages, values kept, first wrong field focused", async () => {
    const { context, problems } = await signedIn("lena@vendor.test", false);
    const page = await context.newPage();
    await page.goto(`${e2e.portal.url}/support`);
    const form = page.locator("form", { has: page.getByRole("button", { name: "Add organization" }) });
    const before = await e2e.portal.database.db.selectFrom("organizations").select("slug").execute();

    await form.getByLabel("Name", { exact: true }).fill("Initech");
    await form.getByLabel("Slug").fill("Not A Slug!");
    await form.getByLabel("Link an existing Auth0 organization (optional)").fill("nope");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      form.getByRole("button", { name: "Add organization" }).click(),
    ]);
    await form.getByRole("alert").waitFor();
    expect(response.status()).toBe(400);
    const slug = form.getByLabel("Slug");
    expect(await form.getByRole("alert").textContent()).toBe("Check the highlighted fields.");
    expect(await slug.getAttribute("aria-invalid")).toBe("true");
    const ids = (await slug.getAttribute("aria-describedby"))!.split(" ");
    expect(await page.locator(`[id="${ids[0]}"]`).textContent()).toMatch(
      /lowercase letters, digits and single hyphens/,
    );
    expect(await slug.inputValue()).toBe("Not A Slug!");
    expect(await form.getByLabel("Name", { exact: true }).inputValue()).toBe("Initech");
    expect(await slug.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await form.getByText(/An Auth0 organization id looks like org_abc123/).isVisible()).toBe(true);
    expect(await e2e.portal.database.db.selectFrom("organizations").select("slug").execute()).toEqual(before);
    // (axe cannot run in a page without JavaScript: the refused state is checked with it above.)
    await page.screenshot({ path: "test-results/forms-nojs-refused.png", fullPage: true });

    await slug.fill("initech");
    await form.getByLabel("Link an existing Auth0 organization (optional)").fill("");
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      form.getByRole("button", { name: "Add organization" }).click(),
    ]);
    expect(created.status()).toBe(303);
    await page.getByRole("status").waitFor();
    // On to the new organization's page, where its first administrator's setup link is issued.
    expect(new URL(page.url()).pathname).toBe("/support/orgs/initech");
    expect(await page.getByRole("status").textContent()).toBe(
      "Organization Initech created. Now issue its first administrator's setup link.",
    );
    await page.getByRole("heading", { level: 2, name: /^Initech/ }).waitFor();
    // The refused POST answered 400, which the browser logs: that one, nothing else.
    expect(problems).toEqual([expect.stringMatching(/status of 400/)]);
    await context.close();
  });
});
