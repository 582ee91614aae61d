import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { addTenantPasswordUser, newCheckedPage } from "../support/portal";

/**
 * Lena, a support lead, adds an organization (its Auth0 organization made by the apply engine)
 * and issues its first administrator's setup link; Wanda accepts it, adds her e-mail domain and
 * verifies it through DNS (a real DNS server on the wire). axe on every new page.
 */
let dns: TestDnsServer;
const SHOTS = process.env.SCREENSHOT_DIR;

// Before the portal starts: it reads DNS_SERVERS once; stopped after it (hooks run in reverse after).
beforeAll(async () => {
  dns = await startDnsServer();
  process.env.DNS_SERVERS = dns.address;
});
afterAll(async () => {
  await dns?.close();
  delete process.env.DNS_SERVERS;
});
const e2e = portalInBrowser();

async function shot(page: Page, name: string) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

describe("a new organization, from the support console to a verified domain", () => {
  it("Lena creates Initech and its first admin link; Wanda joins, adds initech.test and verifies it", async () => {
    addTenantPasswordUser(e2e.portal, {
      userId: "auth0|0000wanda0000000000000000001",
      email: "wanda@initech.test",
      name: "Wanda Admin",
      password: "Wanda-Password-2026",
    });
    const store = e2e.portal.tenant!.context.store;

    const lena = await newCheckedPage(e2e.browser);
    await lena.page.goto(`${e2e.portal.url}/auth/login?returnTo=${encodeURIComponent("/support")}`);
    await e2e.signInOnTenantPage(lena.page, "lena@vendor.test");
    await lena.page.waitForURL(`${e2e.portal.url}/support`);
    await hydrated(lena.page);
    await lena.page.getByLabel("Name", { exact: true }).fill("Initech");
    await lena.page.getByLabel("Slug").fill("initech");
    await lena.page.getByRole("button", { name: "Add organization" }).click();
    await lena.page.waitForURL(`${e2e.portal.url}/support/orgs/initech`);
    await lena.page.getByRole("status").filter({ hasText: "Organization Initech created" }).waitFor();
    // The apply engine creates its Auth0 organization; the page shows it once done.
    await expect
      .poll(() => store.state.organizations.find((o) => o.name === "sso-initech")?.display_name, { timeout: 15_000 })
      .toBe("Initech");
    await lena.page.reload();
    await lena.page.getByText(/organization-create/).waitFor();
    expect(await lena.page.getByText("Nobody yet.").isVisible()).toBe(true);
    await hydrated(lena.page);
    expect(await axeViolations(lena.page)).toEqual([]);
    await shot(lena.page, "support-org");

    await lena.page.getByRole("button", { name: "Create setup link" }).click();
    await lena.page.getByRole("status").filter({ hasText: "Setup link created" }).waitFor();
    const link = (await lena.page
      .getByRole("group", { name: /^Setup link/ })
      .locator("code")
      .textContent())!;
    expect(link).toMatch(new RegExp(`^${e2e.portal.url}/invites/[A-Za-z0-9_-]{43}$`));

    const wanda = await newCheckedPage(e2e.browser);
    await wanda.page.goto(link);
    await wanda.page.getByRole("link", { name: "Sign in to join" }).click();
    await e2e.signInOnTenantPage(wanda.page, "wanda@initech.test", "Wanda-Password-2026");
    await wanda.page.waitForURL(link);
    await hydrated(wanda.page);
    await wanda.page.getByRole("button", { name: "Join Initech" }).click();
    await wanda.page.waitForURL(`${e2e.portal.url}/orgs/initech`);
    await wanda.page.getByRole("link", { name: "Domains" }).click();
    await wanda.page.waitForURL(`${e2e.portal.url}/orgs/initech/domains`);
    await wanda.page.getByRole("heading", { level: 2, name: "Domains" }).waitFor();
    expect(await wanda.page.getByText("No domains yet.").isVisible()).toBe(true);

    // A mistake first: an e-mail address instead of a domain, told what to do, nothing lost.
    await wanda.page.getByLabel("Domain", { exact: true }).fill("wanda@initech.test");
    await wanda.page.getByRole("button", { name: "Add domain" }).click();
    await wanda.page.getByText("Give the domain only, not an e-mail address").first().waitFor();
    expect(await wanda.page.getByLabel("Domain", { exact: true }).inputValue()).toBe("wanda@initech.test");
    await wanda.page.getByLabel("Domain", { exact: true }).fill("initech.test");
    await wanda.page.getByRole("button", { name: "Add domain" }).click();
    await wanda.page.getByRole("status").filter({ hasText: "initech.test added" }).waitFor();
    const card = wanda.page
      .getByRole("listitem")
      .filter({ has: wanda.page.getByRole("heading", { level: 3, name: /initech\.test/ }) });
    expect(await card.getByText("Waiting for its DNS record").isVisible()).toBe(true);
    expect(await card.textContent()).toContain("_sso-portal-verification.initech.test");
    const value = (await card.locator("code").nth(1).textContent())!;
    expect(value).toMatch(/^sso-portal-verification=/);
    expect(await axeViolations(wanda.page)).toEqual([]);
    await shot(wanda.page, "domains-pending");

    // Checked before the record exists: the reason, in words.
    await card.getByRole("button", { name: /Check now/ }).click();
    await wanda.page.getByRole("alert").filter({ hasText: "No TXT record was found" }).first().waitFor();
    // Published: verified.
    dns.txt.set("_sso-portal-verification.initech.test", [value]);
    await card.getByRole("button", { name: /Check now/ }).click();
    await wanda.page.getByRole("status").filter({ hasText: "initech.test is verified" }).waitFor();
    expect(await card.getByText("Verified", { exact: true }).isVisible()).toBe(true);
    expect(await axeViolations(wanda.page)).toEqual([]);
    await shot(wanda.page, "domains-verified");

    // Lena suspends Initech, and resumes it from the same page.
    await lena.page.reload();
    await hydrated(lena.page);
    await lena.page.getByRole("button", { name: "Suspend Initech" }).click();
    await lena.page.getByRole("status").filter({ hasText: "Initech is suspended" }).waitFor();
    await lena.page.getByRole("button", { name: "Resume Initech" }).waitFor();
    expect(await axeViolations(lena.page)).toEqual([]);
    await lena.page.getByRole("button", { name: "Resume Initech" }).click();
    await lena.page.getByRole("status").filter({ hasText: "Initech is active again" }).waitFor();
    expect(await lena.page.getByRole("button", { name: "Suspend Initech" }).isVisible()).toBe(true);

    expect(lena.problems).toEqual([]);
    expect(wanda.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await lena.page.context().close();
    await wanda.page.context().close();
  });
});
