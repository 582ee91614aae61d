import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { memoizeMatchRoutes, type MatchRoutes, type RouteLike } from "./route-match-memo";
import { originalExport } from "./replace-export";
import { staticHandlerByBranch } from "./static-handler-by-branch";

/**
 * A static handler over each request's branch answers as the router's static handler over the whole
 * tree does (ADR 025): the same matches, data, status, errors at the same boundaries, redirects and
 * 404s, for documents, actions and resource routes.
 */

const req = createRequire(
  createRequire(createRequire(import.meta.url).resolve("@remix-run/node")).resolve("@remix-run/server-runtime"),
);
const router = req("@remix-run/router");
const createStaticHandler = originalExport<typeof router.createStaticHandler>(router, "createStaticHandler");
const originalMatch: MatchRoutes =
  router.matchRoutes[Symbol.for("sso-portal.route-match-memo")]?.matchRoutes ?? router.matchRoutes;

const data =
  (route: string) =>
  ({ request, params }: { request: Request; params: Record<string, string> }) => ({
    route,
    params,
    url: request.url,
  });

/** A tree like the portal's: root, layouts with params, index routes, a splat, a resource route, errors. */
function tree(): RouteLike[] {
  return [
    {
      id: "root",
      path: "",
      hasErrorBoundary: true,
      loader: data("root"),
      children: [
        { id: "index", index: true, loader: data("index") },
        {
          id: "orgs.$slug",
          path: "orgs/:slug",
          loader: ({ params }: { params: Record<string, string> }) => {
            if (params.slug === "nobody") throw new Response("Not found", { status: 404 });
            if (params.slug === "moved") throw router.redirect("/orgs/elsewhere");
            return { org: params.slug };
          },
          action: () => ({ acted: "layout" }),
          children: [
            { id: "orgs.$slug._index", index: true, loader: data("org index"), action: () => ({ acted: "index" }) },
            { id: "orgs.$slug.sso", path: "sso", loader: data("sso"), action: () => ({ acted: "sso" }) },
            {
              id: "orgs.$slug.broken",
              path: "broken",
              hasErrorBoundary: false,
              loader: () => {
                throw new Error("boom");
              },
            },
          ],
        },
        { id: "support.changes.$id", path: "support/changes/:id", hasErrorBoundary: true, loader: data("change") },
        { id: "healthz", path: "healthz", loader: () => new Response("ok") },
        { id: "$", path: "*", loader: data("splat") },
      ],
    },
  ] as unknown as RouteLike[];
}

function summary(result: unknown) {
  if (result instanceof Response) return { status: result.status, location: result.headers.get("location") };
  const c = result as {
    statusCode: number;
    matches: { route: { id: string }; params: unknown; pathname: string }[];
    loaderData: unknown;
    actionData: unknown;
    errors: Record<string, unknown> | null;
  };
  return {
    status: c.statusCode,
    matches: c.matches.map((m) => [m.route.id, m.params, m.pathname]),
    loaderData: c.loaderData,
    actionData: c.actionData,
    errors:
      c.errors && Object.fromEntries(Object.entries(c.errors).map(([k, e]) => [k, e instanceof Error ? e.message : e])),
  };
}

describe("the static handler over each request's branch", () => {
  const memo = memoizeMatchRoutes(originalMatch);
  const { replacement: byBranch, stats } = staticHandlerByBranch(createStaticHandler, () => memo.matchRoutes);
  const ours = byBranch(tree());
  const theirs = createStaticHandler(tree());

  const cases: [string, string][] = [
    ["GET", "/"],
    ["GET", "/orgs/acme"],
    ["GET", "/orgs/acme/sso"],
    ["GET", "/orgs/acme/sso?tab=x"],
    ["GET", "/orgs/ac%20me/sso"],
    ["GET", "/orgs/nobody/sso"],
    ["GET", "/orgs/moved/sso"],
    ["GET", "/orgs/acme/broken"],
    ["GET", "/support/changes/42"],
    ["GET", "/no/such/page"],
    ["POST", "/orgs/acme"],
    ["POST", "/orgs/acme?index"],
    ["POST", "/orgs/acme/sso"],
    ["POST", "/"],
    ["PATCH", "/orgs/acme/sso"],
  ];

  it.each(cases)("%s %s: the same answer (twice, the second from memory)", async (method, path) => {
    for (let round = 0; round < 2; round++) {
      const request = () =>
        new Request(`http://portal.test${path}`, { method, body: method === "GET" ? undefined : "" });
      const [a, b] = await Promise.all([ours.query(request()), theirs.query(request())]);
      expect(summary(a)).toEqual(summary(b));
    }
  });

  it("answers resource routes as the whole tree does", async () => {
    const request = () => new Request("http://portal.test/healthz");
    const [a, b] = await Promise.all([
      ours.queryRoute(request(), { routeId: "healthz" }),
      theirs.queryRoute(request(), { routeId: "healthz" }),
    ]);
    expect([(a as Response).status, await (a as Response).text()]).toEqual([
      (b as Response).status,
      await (b as Response).text(),
    ]);
  });

  it("used a branch for the matched paths, one handler per branch, and the whole tree for none", () => {
    expect(stats.branch).toBeGreaterThan(20);
    // Every path above matches something (the splat catches the rest): no request needed the whole tree.
    expect(stats.whole).toBe(0);
    expect(stats.branches).toBeLessThanOrEqual(8);
  });
});
