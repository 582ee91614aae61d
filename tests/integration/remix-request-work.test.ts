import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loaderRequestStats } from "../../server/loader-requests";
import { serverRoutesStats } from "../../server/server-routes-memo";
import { branchHandlerStats } from "../../server/static-handler-by-branch";
import { call, sessionCookieFor } from "../support/auth";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * What the built portal spares Remix on each request (ADR 025): its loaders get the request itself
 * instead of two copies each, and its static handler matches over the request's branch only — and
 * the pages are still the right ones. If a Remix upgrade stops calling `callRouteLoader` or
 * `createStaticHandler` through the module objects, the replacements are silently bypassed; these
 * tests are what notices.
 */

let portal: TestPortal;
let alice: string;

beforeAll(async () => {
  portal = await startTestPortal();
  alice = await sessionCookieFor(portal.database.db, "alice@acme.test");
});
afterAll(async () => {
  await portal?.stop();
});

/** What `request` added to the counters `read` gives; fails if they are not installed. */
async function counted<S extends object, T>(
  read: () => S | undefined,
  request: () => Promise<T>,
): Promise<{ result: T } & { [K in keyof S]: number }> {
  const stats = (): Record<string, number> => {
    const s = read();
    if (!s) throw new Error("starting the portal did not install the replacement these tests look at");
    return { ...(s as Record<string, number>) };
  };
  const before = stats();
  const result = await request();
  const after = stats();
  const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
  return { result, ...delta } as { result: T } & { [K in keyof S]: number };
}

const loaders = <T>(request: () => Promise<T>) => counted(loaderRequestStats, request);
const branches = <T>(request: () => Promise<T>) => counted(branchHandlerStats, request);
const serverRoutes = <T>(request: () => Promise<T>) => counted(serverRoutesStats, request);

describe("loaders and their request", () => {
  it("run a client-side navigation's three loaders on the request itself", async () => {
    const nav = await loaders(() => call(portal.url, "/orgs/acme/sso.data", { cookie: alice }));
    expect(nav.result.status).toBe(200);
    expect(nav.result.text).toContain("routes/orgs.$slug.sso._index");
    expect(nav.result.text).toContain("Acme");
    expect(nav).toMatchObject({ passedThrough: 3, copied: 0 });
  });

  it("run a whole document's loaders on it too, and read its search parameters", async () => {
    const sso = await loaders(() =>
      call(portal.url, "/orgs/acme/audit?action=sso.connection.applied", { cookie: alice }),
    );
    expect(sso.result.status).toBe(200);
    expect(sso.result.text).toContain("Audit log");
    expect(sso.passedThrough).toBeGreaterThanOrEqual(3);
    expect(sso.copied).toBe(0);
  });

  it("leave a navigation that names its loaders (`_routes`) to Remix, which strips the parameter", async () => {
    const nav = await loaders(() =>
      call(portal.url, "/orgs/acme/sso.data?_routes=routes%2Forgs.%24slug.sso._index", { cookie: alice }),
    );
    expect(nav.result.status).toBe(200);
    expect(nav.result.text).toContain("routes/orgs.$slug.sso._index");
    expect(nav.result.text).not.toContain('"root"');
    expect(nav).toMatchObject({ passedThrough: 0, copied: 1 });
  });
});

describe("the static handler over the request's branch", () => {
  it("serves pages, navigations and resource routes over their branch", async () => {
    const page = await branches(() => call(portal.url, "/orgs/acme/sso", { cookie: alice }));
    expect(page.result.status).toBe(200);
    expect(page.result.text).toContain("Single sign-on");
    const nav = await branches(() => call(portal.url, "/orgs/acme/domains.data", { cookie: alice }));
    expect(nav.result.status).toBe(200);
    expect(nav.result.text).toContain("routes/orgs.$slug.domains");
    const health = await branches(() => call(portal.url, "/healthz"));
    expect(health.result.status).toBe(200);
    for (const r of [page, nav, health]) expect(r).toMatchObject({ branch: 1, whole: 0 });
  });

  it("keeps each organization to its own, and another's page a 404 at the same branch", async () => {
    const bob = await sessionCookieFor(portal.database.db, "bob@globex.test");
    expect((await call(portal.url, "/orgs/globex/sso", { cookie: bob })).text).toContain("Globex");
    const refused = await branches(() => call(portal.url, "/orgs/globex/sso", { cookie: alice }));
    expect(refused.result.status).toBe(404);
    expect(refused.result.text).not.toContain("Globex");
    expect(refused.branch).toBe(1);
  });

  it("runs a form post's action over its branch (a cross-origin post is still refused first)", async () => {
    const post = await branches(() =>
      call(portal.url, "/orgs/acme/sso?index", { cookie: alice, form: { intent: "discard-draft", version: "999" } }),
    );
    // As the page's own form posts it: a draft that is not there is not discarded, and the page says so.
    expect(post.result.status).toBe(303);
    expect(post.result.location).toBe("/orgs/acme/sso");
    expect(post.branch).toBe(1);
    const forged = await call(portal.url, "/orgs/acme/sso?index", {
      cookie: alice,
      form: { intent: "discard-draft", version: "1" },
      origin: "https://evil.example",
    });
    expect(forged.status).toBe(403);
  });
});

describe("the route tree documents are rendered with", () => {
  const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];

  it("is made once and serves every document after, each with its own page and data", async () => {
    const bob = await sessionCookieFor(portal.database.db, "bob@globex.test");
    await call(portal.url, "/orgs/acme/sso", { cookie: alice });
    const pages = await serverRoutes(async () => ({
      acme: await call(portal.url, "/orgs/acme/sso", { cookie: alice }),
      globex: await call(portal.url, "/orgs/globex/domains", { cookie: bob }),
      refused: await call(portal.url, "/orgs/globex/sso", { cookie: alice }),
      missing: await call(portal.url, "/no/such/page", { cookie: alice }),
    }));
    expect(pages).toMatchObject({ made: 0, reused: 4 });
    const { acme, globex, refused, missing } = pages.result;
    expect([acme.status, globex.status, refused.status, missing.status]).toEqual([200, 200, 404, 404]);
    expect(title(acme.text)).toContain("Acme");
    expect(acme.text).toContain("Single sign-on");
    expect(acme.text).not.toContain("Globex");
    expect(title(globex.text)).toContain("Globex");
    expect(globex.text).not.toContain("Acme");
    expect(refused.text).not.toContain("Globex");
    expect(title(missing.text)).toBe("Page not found · SSO Portal");
  });
});
