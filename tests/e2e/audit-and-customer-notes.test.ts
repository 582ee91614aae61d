import { beforeAll, describe, expect, it } from "vitest";
import { call, sessionCookieFor } from "../support/auth";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";
import { newCheckedPage } from "../support/portal";

/**
 * Findings 6 and 7 of the security review of 2026-12-06 as people see them: the audit log in
 * words with filters, support's security log, the setup link's copy button, the members table on
 * a phone, the support console's "Add an organization", case-insensitive order, local times and
 * the home page's way in.
 */

const e2e = portalInBrowser();

beforeAll(async () => {
  // Globex's administrator tries Acme's page: support's business, never Acme's.
  const bob = await sessionCookieFor(e2e.portal.database.db, "bob@globex.test");
  expect((await call(e2e.portal.url, "/orgs/acme", { cookie: bob })).status).toBe(404);
  for (const name of ["zeta Industries", "Beta"])
    await e2e.portal.database.db
      .insertInto("organizations")
      .values({ slug: name.split(" ")[0]!.toLowerCase(), name, auth0_org_id: null })
      .execute();
});

describe("an administrator's pages", () => {
  it("copies a new setup link with one click, reads the audit log in words and filters it", async () => {
    const context = await e2e.browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(e2e.portal.url).origin });
    const { page, problems } = await newCheckedPage(e2e.browser);
    await page.close();
    const own = await context.newPage();
    await e2e.signIn(own, "/orgs/acme/links", "alice@acme.test");
    await hydrated(own);
    const form = own.locator("form", { has: own.getByRole("button", { name: "Create setup link" }) });
    await form.getByRole("button", { name: "Create setup link" }).click();
    const shown = own.getByRole("group", { name: /^Setup link/ });
    await shown.waitFor();
    const url = (await shown.locator("code").textContent())!;
    expect(url).toMatch(/\/invites\/[A-Za-z0-9_-]{43}$/);
    await shown.getByRole("button", { name: "Copy setup link" }).click();
    await shown.getByText("Copied").waitFor();
    expect(await own.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await own.screenshot({ path: "test-results/setup-link-copy.png", fullPage: true });

    await own.goto(`${e2e.portal.url}/orgs/acme/audit`);
    const events = own.locator("table.audit-events");
    await events.getByText("Alice Admin created a setup link for a viewer").first().waitFor();
    expect(await events.textContent()).not.toContain("Bob");
    expect(await events.textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    // Local time in the cell, UTC on hover.
    const time = events.locator("time").first();
    expect(await time.getAttribute("title")).toMatch(/ UTC$/);
    await expect.poll(async () => await time.textContent()).not.toMatch(/UTC$/);
    // Sentences wrap between words only.
    const wrap = await events
      .locator("td")
      .first()
      .evaluate((td) => [getComputedStyle(td).overflowWrap, getComputedStyle(td).wordBreak]);
    expect(wrap).toEqual(["normal", "normal"]);

    await own.getByLabel("Action").selectOption({ label: "Setup link created" });
    await own.getByRole("button", { name: "Show events" }).click();
    await own.waitForURL(/action=invitation.created/);
    const sentences = await events.locator("tbody tr td:last-child").allTextContents();
    expect(sentences.length).toBeGreaterThan(0);
    for (const s of sentences) expect(s).toMatch(/created a setup link/);
    // A day with nothing in it says so.
    await own.getByLabel("From (UTC day)").fill("2099-01-01");
    await own.getByRole("button", { name: "Show events" }).click();
    await own.getByText("No events match these filters").waitFor();
    expect(await axeViolations(own)).toEqual([]);
    await own.screenshot({ path: "test-results/audit-log-filtered.png", fullPage: true });
    await own.getByRole("link", { name: "Clear filters" }).click();
    await own.waitForURL(`${e2e.portal.url}/orgs/acme/audit`);

    // A phone: the members table stays on the screen.
    await own.setViewportSize({ width: 390, height: 844 });
    await own.goto(`${e2e.portal.url}/orgs/acme`);
    await own.getByRole("heading", { name: "Members" }).waitFor();
    const overflow = await own.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const table = await own.locator("table.stack-on-narrow").boundingBox();
    expect(table!.x + table!.width).toBeLessThanOrEqual(390);
    await own.screenshot({ path: "test-results/members-390.png", fullPage: true });
    // The home page's way in for a member: the organization's single sign-on page.
    await own.goto(e2e.portal.url);
    const wayIn = own.getByRole("link", { name: "Single sign-on for Acme" });
    expect(await wayIn.getAttribute("href")).toBe("/orgs/acme/sso");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("the support console and the home page", () => {
  it("shows the security log, an aligned 'Add an organization', organizations in reading order, and a way in", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    // Signed out, the home page offers the way in.
    await page.goto(e2e.portal.url);
    await page.getByRole("heading", { name: "Start here" }).waitFor();
    expect(await page.getByRole("link", { name: "Sign in" }).count()).toBeGreaterThan(0);

    await e2e.signIn(page, "/support", "lena@vendor.test");

    await hydrated(page);
    const names = await page.locator("section[aria-labelledby=orgs-title] tbody tr td:first-child").allTextContents();
    expect(names).toEqual(["Acme", "Beta", "Globex", "zeta Industries"]);
    const add = page.getByRole("form", { name: "Add an organization" });
    await add.getByRole("heading", { name: "Add an organization" }).waitFor();
    const tops = await Promise.all(
      ["Name", "Slug"].map(async (l) => (await add.getByLabel(l, { exact: true }).boundingBox())!.y),
    );
    expect(Math.abs(tops[0]! - tops[1]!)).toBeLessThan(2);
    await page.screenshot({ path: "test-results/support-orgs.png", fullPage: true });

    await page.getByRole("link", { name: "Security log" }).click();
    await page.waitForURL(`${e2e.portal.url}/support/security`);
    const row = page.locator("tr", { hasText: "Bob Builder was refused opening /orgs/acme" });
    await row.waitFor();
    expect(await row.textContent()).toContain("Acme");
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "test-results/security-log.png", fullPage: true });

    await page.goto(e2e.portal.url);
    expect(await page.getByRole("link", { name: "Support console" }).count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
