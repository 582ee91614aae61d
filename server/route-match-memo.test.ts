import { matchRoutes, type AgnosticRouteObject } from "@remix-run/router";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoizeMatchRoutes, ROUTE_MATCH_MEMO_CAPACITY, type MatchRoutes } from "./route-match-memo";

/**
 * The memo must never change which route a URL lands on or what params it gets: it is held to
 * @remix-run/router's own matchRoutes on the shapes the portal's routes have (layouts, indexes,
 * params, the catch-all), plus optional and case-sensitive segments.
 */

type Route = AgnosticRouteObject;

function portalLikeRoutes(): Route[] {
  return [
    {
      id: "root",
      path: "",
      children: [
        { id: "routes/_index", index: true },
        { id: "routes/orgs._index", path: "orgs", index: true },
        {
          id: "routes/orgs.$slug",
          path: "orgs/:slug",
          children: [
            { id: "routes/orgs.$slug._index", index: true },
            { id: "routes/orgs.$slug.sso._index", path: "sso", index: true },
            { id: "routes/orgs.$slug.sso.tests.$id", path: "sso/tests/:id" },
            { id: "routes/orgs.$slug.sso.setup", path: "sso/setup" },
          ],
        },
        { id: "routes/orgs.new", path: "orgs/new" },
        {
          id: "routes/support",
          path: "support",
          children: [
            { id: "routes/support._index", index: true },
            { id: "routes/support.changes.$id", path: "changes/:id" },
            { id: "routes/support.changes._index", path: "changes", index: true },
          ],
        },
        { id: "routes/docs", path: ":lang?/docs" },
        { id: "routes/API", path: "API/:version", caseSensitive: true },
        { id: "routes/api.v1.$", path: "api/v1/*" },
        { id: "routes/$", path: "*" },
      ],
    },
  ];
}

const original = matchRoutes as unknown as MatchRoutes;

const segment = fc.constantFrom(
  "orgs",
  "ORGS",
  "acme",
  "new",
  "sso",
  "sso.data",
  "setup",
  "tests",
  "42",
  "support",
  "changes",
  "docs",
  "en",
  "API",
  "api",
  "v1",
  "a%20b",
  "a%2Fb",
  "",
);
const path = fc
  .tuple(fc.array(segment, { maxLength: 5 }), fc.constantFrom("", "/", "?q=1", "#top", "/?x#y"))
  .map(([segments, tail]) => `/${segments.join("/")}${tail}`);

describe("the route match memo", () => {
  it("answers every path as the router does, the first time and from memory, with the asked tree's routes", () => {
    const memo = memoizeMatchRoutes(original);
    const routes = portalLikeRoutes();
    fc.assert(
      fc.property(path, fc.boolean(), (url, asObject) => {
        const location = asObject ? { pathname: url.split(/[?#]/)[0] } : url;
        const expected = original(routes, location);
        expect(memo.matchRoutes(routes, location)).toEqual(expected);
        expect(memo.matchRoutes(routes, location)).toEqual(expected);
        // React Router renders each document with a fresh copy of the tree: its own route objects.
        const copy = portalLikeRoutes();
        const fromCopy = memo.matchRoutes(copy, location);
        expect(fromCopy).toEqual(original(copy, location));
        fromCopy?.forEach((m, i) => expect(m.route).toBe(original(copy, location)![i]!.route));
      }),
      { numRuns: 300 },
    );
    expect(memo.stats.hits).toBeGreaterThan(memo.stats.misses);
  });

  it("gives each answer its own params: a caller that changes them changes nothing for the next request", () => {
    const memo = memoizeMatchRoutes(original);
    const routes = portalLikeRoutes();
    memo.matchRoutes(routes, "/orgs/acme/sso/tests/7");
    const first = memo.matchRoutes(routes, "/orgs/acme/sso/tests/7")!;
    first[0]!.params.slug = "globex";
    delete first[1]!.params.id;
    const second = memo.matchRoutes(routes, "/orgs/acme/sso/tests/7")!;
    expect(second.map((m) => m.route.id)).toEqual(["root", "routes/orgs.$slug", "routes/orgs.$slug.sso.tests.$id"]);
    expect(second.map((m) => m.params)).toEqual(Array(3).fill({ slug: "acme", id: "7" }));
    // As from the router: the matches of one answer share one params object.
    expect(second[0]!.params).toBe(second[2]!.params);
    expect(memo.stats).toMatchObject({ hits: 2, misses: 1 });
  });

  it("keeps trees of different shapes apart", () => {
    const memo = memoizeMatchRoutes(original);
    const routes = portalLikeRoutes();
    // The same ids, but /orgs/new is now a param route, which the org layout outranks.
    const changed = portalLikeRoutes();
    changed[0]!.children!.find((r) => r.id === "routes/orgs.new")!.path = "orgs/:new";
    for (const tree of [routes, changed, routes, changed]) {
      expect(memo.matchRoutes(tree, "/orgs/new")).toEqual(original(tree, "/orgs/new"));
    }
    expect(memo.matchRoutes(routes, "/orgs/new")!.at(-1)!.route.id).toBe("routes/orgs.new");
    expect(memo.matchRoutes(changed, "/orgs/new")!.at(-1)!.route.id).toBe("routes/orgs.$slug._index");
  });

  it("holds at most its capacity however many different paths are asked for, forgetting the least recent", () => {
    const memo = memoizeMatchRoutes(original);
    const routes = portalLikeRoutes();
    for (let i = 0; i < ROUTE_MATCH_MEMO_CAPACITY * 3; i++) memo.matchRoutes(routes, `/random/${i}`);
    expect(memo.stats.size).toBe(ROUTE_MATCH_MEMO_CAPACITY);
    const { hits, misses } = memo.stats;
    memo.matchRoutes(routes, `/random/${ROUTE_MATCH_MEMO_CAPACITY * 3 - 1}`);
    memo.matchRoutes(routes, "/random/0");
    expect(memo.stats).toMatchObject({ hits: hits + 1, misses: misses + 1, size: ROUTE_MATCH_MEMO_CAPACITY });
  });

  it("passes every call to the router while switched off", () => {
    const memo = memoizeMatchRoutes(original);
    const routes = portalLikeRoutes();
    memo.enabled = false;
    expect(memo.matchRoutes(routes, "/support/changes")).toEqual(original(routes, "/support/changes"));
    expect(memo.stats).toMatchObject({ hits: 0, misses: 0, size: 0 });
  });
});
