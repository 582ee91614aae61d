import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { DEFAULT_DEMO_PASSWORD } from "../../local-tenant/seed";
import { launchChromium } from "./browser";
import { newCheckedPage, startTestPortal, type TestPortal } from "./portal";

/**
 * What a browser test file starts from: the whole portal (tests/support/portal.ts) and a Chromium,
 * started before the file's tests and stopped after them, and signing in as a person does, through
 * the tenant's login page.
 */
export interface PortalInBrowser {
  /** Set once the file's first beforeAll has run. */
  readonly portal: TestPortal;
  readonly browser: Browser;
  /**
   * Opens `path`, which sends a signed-out visitor to the tenant's login page, signs in there as
   * `email` (a seeded person, with the demo password unless `password` says otherwise) and waits
   * to be back on `path`.
   */
  signIn(page: Page, path: string, email: string, password?: string): Promise<void>;
  /** On the tenant's login page (where the page must be): fills in and continues. */
  signInOnTenantPage(page: Page, email: string, password?: string): Promise<void>;
  /** A new checked page (`newCheckedPage`) in its own browser context, signed in as `email` and on `path`. */
  signedInPage(path: string, email: string): Promise<{ page: Page; problems: string[] }>;
}

/**
 * Registers the file's beforeAll (start both) and afterAll (stop both). Hooks the file registers
 * after this call run after the portal has started; vitest runs afterAll hooks in reverse order,
 * so what those hooks start is stopped before the portal is.
 */
export function portalInBrowser(options: { demoIdps?: boolean } = {}): PortalInBrowser {
  let portal: TestPortal | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [portal, browser] = await Promise.all([startTestPortal(options), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the portal and browser start in beforeAll: use them in a test or hook");
    return value;
  };
  const suite: PortalInBrowser = {
    get portal() {
      return started(portal);
    },
    get browser() {
      return started(browser);
    },
    async signInOnTenantPage(page, email, password = DEFAULT_DEMO_PASSWORD) {
      expect(page.url().startsWith(suite.portal.tenant!.url), page.url()).toBe(true);
      await page.getByLabel("Email address").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Continue" }).click();
    },
    async signIn(page, path, email, password) {
      await page.goto(`${suite.portal.url}${path}`);
      await suite.signInOnTenantPage(page, email, password);
      await page.waitForURL(`${suite.portal.url}${path}`);
    },
    async signedInPage(path, email) {
      const checked = await newCheckedPage(suite.browser);
      await suite.signIn(checked.page, path, email);
      return checked;
    },
  };
  return suite;
}

/** Once Remix has hydrated the page (its client-side code runs). */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
}
