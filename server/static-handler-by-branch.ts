import { replaceExport, replacementStats, requireThrough } from "./replace-export";
import { installRouteMatchMemo, type MatchRoutes, type RouteLike } from "./route-match-memo";

/**
 * Remix's static handler matches each request against a tree holding only the routes the request
 * matches (ADR 025).
 *
 * The static handler (`query` for pages and `.data`, `queryRoute` for resource routes) matches the
 * request's path with a `matchRoutes` local to @remix-run/router's module, which ADR 019's memo cannot
 * reach: it flattens and ranks all 43 routes and compiles a regular expression for each one it tries,
 * ~7 % of the org SSO page's navigation. Remix makes its static handler through the router's module
 * object (`router.createStaticHandler(dataRoutes, …)`, once per build), so that can be wrapped: the
 * wrapper asks the memo which routes the path matches (an answer the router itself gave over the
 * whole tree), and hands the request to a static handler made over just that branch — the matched
 * routes, each with only the next as its child — made once per branch and kept. The router still does
 * everything it did: it matches the path again over the branch (where the branch it matched over the
 * whole tree is still the best: the others it could match are a subset of the whole tree's), runs the
 * loaders and actions, picks the error boundaries among the matches, and builds the context. A path
 * the memo finds no route for (the 404s) goes to the static handler over the whole tree.
 */

interface StaticHandlerLike {
  dataRoutes: RouteLike[];
  query(request: Request, opts?: unknown): Promise<unknown>;
  queryRoute(request: Request, opts?: unknown): Promise<unknown>;
}

type CreateStaticHandler = (routes: RouteLike[], opts?: { basename?: string }) => StaticHandlerLike;

interface RouterModule {
  createStaticHandler: CreateStaticHandler;
  matchRoutes: MatchRoutes;
}

interface IdentifiedRoute extends RouteLike {
  id?: string;
}

/** Requests handled over one branch, and over the whole tree (no route matched, or off). */
export interface BranchHandlerStats {
  branch: number;
  whole: number;
  /** Branches a static handler was made for. */
  branches: number;
}

/** The matched routes of `routes`, each a copy whose only child is the next one. */
function branchOf(routes: IdentifiedRoute[], ids: string[]): IdentifiedRoute[] | null {
  const byId = new Map<string, IdentifiedRoute>();
  const walk = (list: IdentifiedRoute[]) => {
    for (const route of list) {
      if (route.id !== undefined) byId.set(route.id, route);
      if (route.children) walk(route.children);
    }
  };
  walk(routes);
  let child: IdentifiedRoute[] | undefined;
  for (let i = ids.length - 1; i >= 0; i--) {
    const route = byId.get(ids[i]!);
    if (!route) return null;
    const copy: IdentifiedRoute = { ...route };
    delete copy.children;
    if (child) copy.children = child;
    child = [copy];
  }
  return child ?? null;
}

export function staticHandlerByBranch(
  original: CreateStaticHandler,
  matchRoutes: () => MatchRoutes,
): { replacement: CreateStaticHandler; stats: BranchHandlerStats } {
  const stats: BranchHandlerStats = { branch: 0, whole: 0, branches: 0 };
  const wrapped: CreateStaticHandler = (routes, opts) => {
    const whole = original(routes, opts);
    const byBranch = new Map<string, StaticHandlerLike | null>();
    const handlerFor = (request: Request): StaticHandlerLike => {
      const matches = matchRoutes()(
        whole.dataRoutes as IdentifiedRoute[],
        { pathname: new URL(request.url).pathname },
        opts?.basename,
      );
      const ids = matches?.map((m) => (m.route as IdentifiedRoute).id);
      if (!ids || ids.length === 0 || ids.some((id) => id === undefined)) {
        stats.whole++;
        return whole;
      }
      const key = ids.join("\u0000");
      let handler = byBranch.get(key);
      if (handler === undefined) {
        const branch = branchOf(routes as IdentifiedRoute[], ids as string[]);
        handler = branch ? original(branch, opts) : null;
        byBranch.set(key, handler);
        if (handler) stats.branches++;
      }
      if (!handler) {
        stats.whole++;
        return whole;
      }
      stats.branch++;
      return handler;
    };
    return {
      ...whole,
      query: (request, queryOpts) => handlerFor(request).query(request, queryOpts),
      queryRoute: (request, queryOpts) => handlerFor(request).queryRoute(request, queryOpts),
    };
  };
  return { replacement: wrapped, stats };
}

/** The router as the server runtime requires it. */
function routerModule(): RouterModule {
  return requireThrough<RouterModule>(["@remix-run/node", "@remix-run/server-runtime", "@remix-run/router"]);
}

/** What the installed wrapper counted; undefined while the router's own is in place. */
export function branchHandlerStats(): BranchHandlerStats | undefined {
  return replacementStats(routerModule(), "createStaticHandler");
}

/**
 * Wraps the router's `createStaticHandler` once per process, before Remix makes its static handler (on
 * the first request). Installs the route match memo too: the branches are found through it.
 */
export function installStaticHandlerByBranch(): void {
  installRouteMatchMemo();
  const router = routerModule();
  // The memo as installed on the module object (read at call time: the same one the server runtime uses).
  replaceExport(router, "createStaticHandler", (original: CreateStaticHandler) =>
    staticHandlerByBranch(original, () => router.matchRoutes),
  );
}
