import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";
import { addTenantPasswordUser, newCheckedPage } from "../support/portal";

const e2e = portalInBrowser();

describe("signing in as the seeded people", () => {
  it("Alice signs in through the tenant's login page, sees Acme, cannot reach Globex, and signs out", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    await page.goto(`${e2e.portal.url}/orgs/acme`);
    await e2e.signInOnTenantPage(page, "alice@acme.test");
    await page.waitForURL(`${e2e.portal.url}/orgs/acme`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Acme");
    const members = page.getByRole("table").first();
    expect(await members.textContent()).toContain("victor@acme.test");
    expect(await page.getByRole("navigation", { name: "Main" }).textContent()).toContain("alice@acme.test");
    await hydrated(page);
    expect(await axeViolations(page)).toEqual([]);
    // The organization's sections are child routes of its layout, reached from its section navigation.
    const sections = page.getByRole("navigation", { name: "Acme sections" });
    expect(await sections.getByRole("link", { name: "Members" }).getAttribute("aria-current")).toBe("page");
    await sections.getByRole("link", { name: "Setup links" }).click();
    await page.getByRole("heading", { name: "Setup links" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/orgs/acme/links");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Acme");
    await sections.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/orgs/acme/audit");
    expect(await axeViolations(page)).toEqual([]);

    const globex = await page.goto(`${e2e.portal.url}/orgs/globex`);
    expect(globex?.status()).toBe(404);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
    expect(await page.content()).not.toContain("bob@globex.test");
    const support = await page.goto(`${e2e.portal.url}/support`);
    expect(support?.status()).toBe(404);

    await page.goto(`${e2e.portal.url}/orgs/acme`);
    await hydrated(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${e2e.portal.url}/signed-out`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("You are signed out");
    const after = await page.goto(`${e2e.portal.url}/orgs/acme`);
    // The tenant's session ended too: its login page asks again.
    expect(after?.url().startsWith(e2e.portal.tenant!.url), page.url()).toBe(true);
    expect(await page.getByLabel("Password").isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("Victor, a viewer, sees Acme's members but no setup links, audit log or member actions", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    await page.goto(`${e2e.portal.url}/auth/login?returnTo=${encodeURIComponent("/orgs/acme")}`);
    await e2e.signInOnTenantPage(page, "victor@acme.test");
    await page.waitForURL(`${e2e.portal.url}/orgs/acme`);
    expect(await page.getByRole("heading", { name: "Members" }).isVisible()).toBe(true);
    expect(await page.getByRole("heading", { name: "Setup links" }).count()).toBe(0);
    expect(await page.getByRole("heading", { name: "Audit log" }).count()).toBe(0);
    const sections = page.getByRole("navigation", { name: "Acme sections" });
    // Every member sees where SSO stands (without its actions); links and audit are administrators'.
    expect(await sections.getByRole("link").allTextContents()).toEqual(["Members", "Single sign-on", "Domains"]);
    expect(await page.getByRole("button", { name: /Remove/ }).count()).toBe(0);
    // Typing the address of an administrator's section does not show it either.
    expect((await page.goto(`${e2e.portal.url}/orgs/acme/links`))?.status()).toBe(403);
    expect(await page.content()).not.toContain("/invites/");
    expect((await page.goto(`${e2e.portal.url}/orgs/acme/audit`))?.status()).toBe(403);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("You can't do that here");
    // The browser logs each refused page: exactly those two, nothing else.
    expect(problems).toEqual([expect.stringMatching(/status of 403/), expect.stringMatching(/status of 403/)]);
    await page.context().close();
  });
});

describe("a crafted sign-in link (security review 2026-12-06)", () => {
  it("ends on the portal, both at sign-in and for someone already signed in at the tenant", async () => {
    // A page an attacker would send people to; it must never be asked for.
    const hits: string[] = [];
    const attacker = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.end("pwned");
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", () => r()));
    const { port } = attacker.address() as AddressInfo;
    try {
      const crafted = `${e2e.portal.url}/auth/login?returnTo=${encodeURIComponent(`/..//127.0.0.1:${port}/pwned.html`)}`;
      const { page, problems } = await newCheckedPage(e2e.browser);
      await page.goto(crafted);
      await e2e.signInOnTenantPage(page, "bob@globex.test");
      await page.waitForURL(`${e2e.portal.url}/orgs/globex`);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Globex");
      // Signed in at the tenant now: the same link answers at once, with no click.
      await page.goto(crafted);
      await page.waitForURL(`${e2e.portal.url}/orgs/globex`);
      expect(new URL(page.url()).origin).toBe(new URL(e2e.portal.url).origin);
      expect(hits).toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    } finally {
      await new Promise((r) => attacker.close(r));
    }
  });
});

describe("vendor staff", () => {
  it("Sam signs in from the home page, lands on the support console and cannot issue links", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    await page.goto(e2e.portal.url);
    await hydrated(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" }).click();
    await e2e.signInOnTenantPage(page, "sam@vendor.test");
    await page.waitForURL(`${e2e.portal.url}/support`);
    await page.getByRole("heading", { level: 1, name: "Support console" }).waitFor();
    const orgs = page.locator("section", { has: page.getByRole("heading", { name: "Organizations" }) });
    expect(await orgs.getByRole("table").textContent()).toMatch(/Acme.*Globex/);
    expect(await page.getByRole("button", { name: "Add organization" }).count()).toBe(0);
    await page
      .getByRole("navigation", { name: "Support console sections" })
      .getByRole("link", { name: "Setup links" })
      .click();
    await page.getByRole("heading", { name: "Setup links you issued" }).waitFor();
    expect(await page.getByRole("button", { name: "Create setup link" }).count()).toBe(0);
    expect(await page.getByText("Only a support lead can issue setup links.").isVisible()).toBe(true);
    expect((await page.goto(`${e2e.portal.url}/orgs/acme`))?.status()).toBe(404);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("setup links", () => {
  it("Lena issues a link for Globex that a new person accepts; she then sees it used", async () => {
    // The newcomer exists in the tenant (as if they signed up or their IdP brokered them).
    addTenantPasswordUser(e2e.portal, {
      userId: "auth0|0000newcomer00000000000001",
      email: "nina@globex.test",
      name: "Nina Newcomer",
      password: "Nina-Password-2026",
    });

    const lena = await newCheckedPage(e2e.browser);
    await lena.page.goto(`${e2e.portal.url}/auth/login?returnTo=${encodeURIComponent("/support")}`);
    await e2e.signInOnTenantPage(lena.page, "lena@vendor.test");
    await lena.page.waitForURL(`${e2e.portal.url}/support`);
    await hydrated(lena.page);
    expect(await axeViolations(lena.page)).toEqual([]);
    await lena.page
      .getByRole("navigation", { name: "Support console sections" })
      .getByRole("link", { name: "Setup links" })
      .click();
    await lena.page.waitForURL(`${e2e.portal.url}/support/links`);
    expect(await axeViolations(lena.page)).toEqual([]);
    const form = lena.page.locator("form", { has: lena.page.getByLabel("Organization", { exact: true }) });
    await form.getByLabel("Organization", { exact: true }).selectOption({ label: "Globex" });
    await form.getByLabel("Role").selectOption({ label: "Viewer" });
    await form.getByRole("button", { name: "Create setup link" }).click();
    await lena.page.getByRole("status").filter({ hasText: "Setup link created" }).waitFor();
    const link =
      (await lena.page
        .getByRole("group", { name: /^Setup link/ })
        .locator("code")
        .textContent()) ?? "";
    expect(link).toMatch(new RegExp(`^${e2e.portal.url}/invites/[A-Za-z0-9_-]{43}$`));

    const nina = await newCheckedPage(e2e.browser);
    await nina.page.goto(link);
    expect(await nina.page.getByRole("heading", { level: 1 }).textContent()).toBe("Join Globex");
    expect(await axeViolations(nina.page)).toEqual([]);
    await nina.page.getByRole("link", { name: "Sign in to join" }).click();
    await e2e.signInOnTenantPage(nina.page, "nina@globex.test", "Nina-Password-2026");
    await nina.page.waitForURL(link);
    await hydrated(nina.page);
    await nina.page.getByRole("button", { name: "Join Globex" }).click();
    await nina.page.waitForURL(`${e2e.portal.url}/orgs/globex`);
    // A client-side navigation: the URL can change a moment before the new page renders.
    await nina.page.getByRole("heading", { level: 1, name: "Globex", exact: true }).waitFor();
    expect(await nina.page.getByRole("table").first().textContent()).toContain("nina@globex.test");
    // Used up: opening it again says so.
    const again = await nina.page.goto(link);
    expect(again?.status()).toBe(410);
    expect(await nina.page.getByRole("heading", { level: 1 }).textContent()).toBe(
      "This setup link has already been used",
    );

    await lena.page.reload();
    const issued = lena.page.locator("section", {
      has: lena.page.getByRole("heading", { name: "Setup links you issued" }),
    });
    expect(await issued.getByRole("table").textContent()).toMatch(/Globex.*Viewer.*Used/);
    expect(lena.problems).toEqual([]);
    // The used-up link's page answers 410, which the browser logs: that one, nothing else.
    expect(nina.problems).toEqual([expect.stringMatching(/status of 410/)]);
    await lena.page.context().close();
    await nina.page.context().close();
  });
});
