import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installedRouteMatchMemo, type RouteMatchMemoControl } from "../../server/route-match-memo";
import { call, sessionCookieFor } from "../support/auth";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * The built portal matches routes through the memo (ADR 019): a page asked for again is matched from
 * memory at every call site the memo reaches, and still lands on the same route with its own
 * params. If a Remix upgrade stops calling `matchRoutes` through the router's module object, the
 * memo is silently bypassed; these tests are what notices.
 */

let portal: TestPortal;
let memo: RouteMatchMemoControl;
let alice: string;
let bob: string;

beforeAll(async () => {
  portal = await startTestPortal();
  // The portal's Remix handler installs it; the test only reads it.
  const installed = installedRouteMatchMemo();
  if (!installed) throw new Error("starting the portal did not install the route match memo");
  memo = installed;
  alice = await sessionCookieFor(portal.database.db, "alice@acme.test");
  bob = await sessionCookieFor(portal.database.db, "bob@globex.test");
});
afterAll(async () => {
  await portal?.stop();
});

/** What the memo did while `request` ran. */
async function counted<T>(request: () => Promise<T>): Promise<{ result: T; hits: number; misses: number }> {
  const before = memo.stats;
  const result = await request();
  const after = memo.stats;
  return { result, hits: after.hits - before.hits, misses: after.misses - before.misses };
}

function title(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

describe("route matching through the memo", () => {
  it("serves a repeated page from memory at the server runtime's match and React Router's render", async () => {
    const first = await call(portal.url, "/orgs/acme/sso", { cookie: alice });
    expect(first.status).toBe(200);
    expect(title(first.text)).toContain("Acme");
    const again = await counted(() => call(portal.url, "/orgs/acme/sso", { cookie: alice }));
    expect(again.result.status).toBe(200);
    expect(title(again.result.text)).toBe(title(first.text));
    expect(again.misses).toBe(0);
    expect(again.hits).toBeGreaterThanOrEqual(2);
  });

  it("gives each organization's URL its own params, from memory too", async () => {
    for (let round = 0; round < 2; round++) {
      const globex = await call(portal.url, "/orgs/globex/sso", { cookie: bob });
      expect(globex.status).toBe(200);
      expect(title(globex.text)).toContain("Globex");
      expect(globex.text).not.toContain("Acme");
      // Another organization's page answers 404 to Alice, whichever slug was matched last.
      expect((await call(portal.url, "/orgs/globex/sso", { cookie: alice })).status).toBe(404);
      const acme = await call(portal.url, "/orgs/acme/sso", { cookie: alice });
      expect(title(acme.text)).toContain("Acme");
      expect(acme.text).not.toContain("Globex");
    }
  });

  it("serves a client-side navigation's data from memory", async () => {
    await call(portal.url, "/orgs/acme/sso.data", { cookie: alice });
    const again = await counted(() => call(portal.url, "/orgs/acme/sso.data", { cookie: alice }));
    expect(again.result.status).toBe(200);
    expect(again.result.text).toContain("routes/orgs.$slug.sso._index");
    expect(again.result.text).toContain("acme");
    expect(again.misses).toBe(0);
    expect(again.hits).toBeGreaterThanOrEqual(2);
  });

  it("answers an unknown path with the 404 page, from memory the second time", async () => {
    const first = await call(portal.url, "/no/such/page", { cookie: alice });
    expect(first.status).toBe(404);
    expect(title(first.text)).toBe("Page not found · SSO Portal");
    const again = await counted(() => call(portal.url, "/no/such/page", { cookie: alice }));
    expect(again.result.status).toBe(404);
    expect(title(again.result.text)).toBe("Page not found · SSO Portal");
    expect(again.misses).toBe(0);
    expect(again.hits).toBeGreaterThanOrEqual(2);
  });
});
