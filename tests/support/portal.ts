import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { hashPassword } from "../../local-tenant/passwords";
import { startPortal, type RunningPortal } from "../../server/portal";
import { createTestDatabase, type TestDatabase } from "./test-database";

/**
 * A whole portal for one test file, in the test's own process: a fresh database (PGlite in
 * memory, or PostgreSQL with TEST_DATABASE_URL), a fresh local tenant on a free port, and the
 * built portal on a free port. The test reaches the database directly to assert what changed.
 */
export interface TestPortal extends RunningPortal {
  database: TestDatabase;
  stop(): Promise<void>;
}

export async function startTestPortal(options: { demoIdps?: boolean } = {}): Promise<TestPortal> {
  process.env.NODE_ENV ??= "test";
  const database = await createTestDatabase();
  const portal = await startPortal({
    port: 0,
    database: { open: database },
    // The demo SAML and OIDC IdPs on free ports, for journeys that set SSO up against them.
    localTenant: { port: 0, ...(options.demoIdps ? { demoIdps: { samlPort: 0, oidcPort: 0 } } : {}) },
  });
  return {
    ...portal,
    database,
    stop: async () => {
      await portal.close();
      await database.destroy();
    },
  };
}

/** A new page whose console errors and failed requests fail the test that did not expect them. */
export async function newCheckedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/status of 404/.test(msg.text())) problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  return { page, problems };
}

/** Closes a checked page's browser context once nothing went wrong on it (no console error, no failed request). */
export async function closeCheckedPage(checked: { page: Page; problems: string[] }): Promise<void> {
  expect(checked.problems).toEqual([]);
  await checked.page.context().close();
}

/**
 * A person who signs in with the tenant's password form (as if they had signed up, or an IdP had
 * brokered them): replaces any tenant user with the same e-mail. `userId` names the connection
 * the identity stands for (`auth0|…` a database user).
 */
export function addTenantPasswordUser(
  portal: TestPortal,
  user: { userId: string; email: string; name: string; password: string; emailVerified?: boolean },
): void {
  const store = portal.tenant!.context.store;
  const now = new Date().toISOString();
  store.state.users = store.state.users.filter((u) => u.email !== user.email);
  store.state.users.push({
    user_id: user.userId,
    connection: "Username-Password-Authentication",
    email: user.email,
    email_verified: user.emailVerified ?? true,
    name: user.name,
    password_hash: hashPassword(user.password),
    created_at: now,
    updated_at: now,
  });
  store.save();
}
