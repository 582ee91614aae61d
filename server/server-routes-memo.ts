import { replaceExport, replacementStats, requireThrough } from "./replace-export";

/**
 * React Router's route tree for rendering a document, made once per build instead of once per
 * document (ADR 025).
 *
 * `RemixServer` (@remix-run/react's server.js) calls `routes.createServerRoutes(manifest.routes,
 * routeModules, future, isSpaMode)` for every document: a new tree of 43 routes, each with its
 * component, error boundary and (for the root) its Layout's elements, ~3 % of a document's CPU. The
 * tree depends only on those arguments, which are the build's own: the manifest's routes object is the
 * same on every request, and `routeModules`, although a new object per request, holds the same
 * modules. The call goes through the routes module's exports object, so it can be replaced: the
 * replacement returns the tree it made for the same manifest when every route's module, `future` and
 * `isSpaMode` are the same, and makes (and keeps) a new one otherwise. Nothing in rendering changes a
 * tree it is given (React Router's static router makes its own data routes from it).
 */

type CreateServerRoutes = (
  manifest: Record<string, unknown>,
  routeModules: Record<string, unknown>,
  future: unknown,
  isSpaMode: boolean,
  ...rest: unknown[]
) => unknown[];

interface RoutesModule {
  createServerRoutes: CreateServerRoutes;
}

export interface ServerRoutesStats {
  /** Documents given a tree (or data routes) made for an earlier one. */
  reused: number;
  /** Trees (or data routes) made. */
  made: number;
}

interface Made {
  modules: Record<string, unknown>;
  future: unknown;
  isSpaMode: boolean;
  routes: unknown[];
}

function sameModules(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

export function rememberServerRoutes(original: CreateServerRoutes): {
  replacement: CreateServerRoutes;
  stats: ServerRoutesStats;
} {
  const stats: ServerRoutesStats = { reused: 0, made: 0 };
  const byManifest = new WeakMap<object, Made>();
  const replacement: CreateServerRoutes = (manifest, routeModules, future, isSpaMode, ...rest) => {
    // The recursive calls (and any call with more arguments) are the original's own business.
    if (rest.length > 0) return original(manifest, routeModules, future, isSpaMode, ...rest);
    const made = byManifest.get(manifest);
    if (made && made.future === future && made.isSpaMode === isSpaMode && sameModules(made.modules, routeModules)) {
      stats.reused++;
      return made.routes;
    }
    const routes = original(manifest, routeModules, future, isSpaMode);
    byManifest.set(manifest, { modules: { ...routeModules }, future, isSpaMode, routes });
    stats.made++;
    return routes;
  };
  return { replacement, stats };
}

function routesModule(): RoutesModule {
  return requireThrough<RoutesModule>(["@remix-run/react"], "routes.js");
}

/** What the installed replacement counted; undefined while @remix-run/react's own is in place. */
export function serverRoutesStats(): ServerRoutesStats | undefined {
  return replacementStats(routesModule(), "createServerRoutes");
}

/**
 * React Router's static router then converts that tree into data routes for every document
 * (`router.UNSAFE_convertRoutesToDataRoutes(routes, mapRouteProperties, undefined, manifest)`, through the
 * router's exports object, in react-router-dom/server.js), filling the `manifest` it is given. With the
 * tree now the same object each time, the conversion is remembered per (tree, mapRouteProperties): the
 * same data routes are returned and the manifest is filled with the same entries.
 */
type ConvertRoutesToDataRoutes = (
  routes: unknown[],
  mapRouteProperties: unknown,
  parentPath?: unknown,
  manifest?: Record<string, unknown>,
) => unknown[];

export function rememberDataRoutes(original: ConvertRoutesToDataRoutes): {
  replacement: ConvertRoutesToDataRoutes;
  stats: ServerRoutesStats;
} {
  const stats: ServerRoutesStats = { reused: 0, made: 0 };
  const byTree = new WeakMap<
    object,
    { mapRouteProperties: unknown; dataRoutes: unknown[]; manifest: Record<string, unknown> }
  >();
  const replacement: ConvertRoutesToDataRoutes = (routes, mapRouteProperties, parentPath, manifest) => {
    // Only the top-level call with a manifest to fill, as the static router makes it.
    if (parentPath !== undefined || manifest === undefined || Object.keys(manifest).length > 0)
      return original(routes, mapRouteProperties, parentPath, manifest);
    const known = byTree.get(routes);
    if (known && known.mapRouteProperties === mapRouteProperties) {
      Object.assign(manifest, known.manifest);
      stats.reused++;
      return known.dataRoutes;
    }
    const dataRoutes = original(routes, mapRouteProperties, parentPath, manifest);
    byTree.set(routes, { mapRouteProperties, dataRoutes, manifest: { ...manifest } });
    stats.made++;
    return dataRoutes;
  };
  return { replacement, stats };
}

interface RouterModule {
  UNSAFE_convertRoutesToDataRoutes: ConvertRoutesToDataRoutes;
}

/** The router as react-router-dom's server.js requires it. */
function routerModule(): RouterModule {
  return requireThrough<RouterModule>(["@remix-run/react", "react-router-dom", "@remix-run/router"]);
}

/** Replaces `createServerRoutes` and the router's `UNSAFE_convertRoutesToDataRoutes`, once per process. */
export function installServerRoutesMemo(): void {
  replaceExport(routesModule(), "createServerRoutes", rememberServerRoutes);
  replaceExport(routerModule(), "UNSAFE_convertRoutesToDataRoutes", rememberDataRoutes);
}
