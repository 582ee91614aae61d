import { describe, expect, it } from "vitest";
import { axeViolations } from "../support/browser";
import { portalInBrowser } from "../support/e2e";
import { newCheckedPage } from "../support/portal";

const e2e = portalInBrowser();

describe("portal smoke", () => {
  it("renders the home page with navigation, a main landmark and no accessibility violations", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    const response = await page.goto(e2e.portal.url);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toMatch(/single sign-on/i);
    expect(await page.getByRole("navigation", { name: "Main" }).isVisible()).toBe(true);
    expect(await page.locator("main#main").count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    // Hydration must succeed under the CSP (a blocked script would be a console error).
    await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("answers an unknown URL with status 404 and the 404 page", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    const response = await page.goto(`${e2e.portal.url}/no/such/page`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
    expect(await page.getByRole("link", { name: "Go to the home page" }).isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    // Its way out is a client-side navigation: the page is not loaded again. A value set on the
    // window survives only if the document stays, and no document request goes out.
    await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
    await page.evaluate(() => ((window as unknown as { stillThisDocument?: boolean }).stillThisDocument = true));
    const documentRequests: string[] = [];
    page.on("request", (r) => {
      if (r.resourceType() === "document") documentRequests.push(r.url());
    });
    await page.getByRole("link", { name: "Go to the home page" }).click();
    await page.getByRole("heading", { level: 1, name: /single sign-on/i }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.evaluate(() => (window as unknown as { stillThisDocument?: boolean }).stillThisDocument)).toBe(
      true,
    );
    expect(documentRequests).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("answers /healthz and /readyz with JSON", async () => {
    const { page, problems } = await newCheckedPage(e2e.browser);
    const health = await page.goto(`${e2e.portal.url}/healthz`);
    expect(health?.status()).toBe(200);
    expect(await health?.json()).toMatchObject({ status: "ok" });
    const ready = await page.goto(`${e2e.portal.url}/readyz`);
    expect(ready?.status()).toBe(200);
    expect(await ready?.json()).toMatchObject({ status: "ready", checks: { database: "ok" } });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
