import { requireThrough } from "./replace-export";

/**
 * Remembers which routes a path matched, so that Remix does not match it from scratch 2–4 times per
 * request (ADR 019).
 *
 * @remix-run/router's `matchRoutes` flattens and ranks the whole route tree and compiles a regular
 * expression for every route it tries on every call (75–155 µs with the portal's 43 routes). The
 * server runtime calls it through the module object (`matchServerRoutes`, once per document and twice
 * per `.data` request), and so does React Router's rendering of a document (`useRoutes`). This module
 * replaces that export with one that answers a (route tree, basename, path) it has seen from a bounded
 * cache, and asks the original otherwise. The static handler's own call (`query`) uses a binding local
 * to the router's module and is not reached; see the ADR.
 *
 * React Router renders every document with a fresh copy of the route tree, so a tree is recognised by
 * what matching reads from it (each route's path, index and caseSensitive flags and its number of
 * children, in depth-first order), not by identity; a remembered match names its routes by their
 * position in that order and is answered with the route objects of the tree asked about. Every answer
 * is a fresh array of fresh match objects with a fresh params object (shared by the matches of one
 * answer, as the original does), so a caller that changes what it got changes nothing for the next
 * request. Memory is bounded however many different paths are asked for: at most
 * ROUTE_MATCH_MEMO_CAPACITY paths per tree shape, least recently used forgotten first.
 */

export interface RouteLike {
  path?: string;
  index?: boolean;
  caseSensitive?: boolean;
  children?: RouteLike[];
}

export interface RouteMatchLike<R extends RouteLike = RouteLike> {
  params: Record<string, string | undefined>;
  pathname: string;
  pathnameBase: string;
  route: R;
}

export type MatchRoutes = <R extends RouteLike>(
  routes: R[],
  location: string | { pathname?: string },
  basename?: string,
) => RouteMatchLike<R>[] | null;

export interface RouteMatchMemo {
  matchRoutes: MatchRoutes;
  /** Off: every call goes to the original (what is remembered is kept, for an A/B comparison). */
  enabled: boolean;
  /** Answers from memory, calls passed to the original, and the paths remembered. */
  readonly stats: { hits: number; misses: number; size: number };
}

/** Paths remembered per route tree; beyond this the least recently used is forgotten. */
export const ROUTE_MATCH_MEMO_CAPACITY = 1000;
/** Route trees of different shapes remembered (a build has one; the dev server makes one per edit). */
const MAX_SHAPES = 8;

/** What matching reads from one route, in the tree's depth-first order. */
interface ShapeNode {
  path: string | null | undefined;
  index: boolean;
  caseSensitive: boolean;
  children: number;
}

interface Remembered {
  /** Each match's route by its position in the tree's depth-first order. */
  matches: { node: number; params: Record<string, string | undefined>; pathname: string; pathnameBase: string }[];
  /** The original gives every match of one answer the same params object. */
  sharedParams: boolean;
}

interface Shape {
  nodes: ShapeNode[];
  /** `basename NUL pathname` → the answer, least recently used first. */
  paths: Map<string, Remembered | null>;
}

function inOrder(routes: RouteLike[], out: RouteLike[] = []): RouteLike[] {
  for (const route of routes) {
    out.push(route);
    if (route.children) inOrder(route.children, out);
  }
  return out;
}

function describe(route: RouteLike): ShapeNode {
  return {
    path: route.path,
    index: Boolean(route.index),
    caseSensitive: route.caseSensitive === true,
    children: route.children?.length ?? 0,
  };
}

/** Depth-first order plus each route's number of children determine the tree. */
function fits(shape: Shape, routes: RouteLike[]): boolean {
  if (shape.nodes.length !== routes.length) return false;
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    const node = shape.nodes[i]!;
    if (
      route.path !== node.path ||
      Boolean(route.index) !== node.index ||
      (route.caseSensitive === true) !== node.caseSensitive ||
      (route.children?.length ?? 0) !== node.children
    )
      return false;
  }
  return true;
}

function pathnameOf(location: string | { pathname?: string }): string {
  // As the router's parsePath: the path ends at the first "#" or "?" (the hash is cut first).
  if (typeof location !== "string") return location.pathname || "/";
  const hash = location.indexOf("#");
  const beforeHash = hash >= 0 ? location.slice(0, hash) : location;
  const search = beforeHash.indexOf("?");
  return (search >= 0 ? beforeHash.slice(0, search) : beforeHash) || "/";
}

function remember(matches: RouteMatchLike[] | null, nodes: RouteLike[]): Remembered | null {
  if (!matches) return null;
  return {
    matches: matches.map((m) => ({
      node: nodes.indexOf(m.route),
      params: { ...m.params },
      pathname: m.pathname,
      pathnameBase: m.pathnameBase,
    })),
    sharedParams: matches.every((m) => m.params === matches[0]!.params),
  };
}

function recall<R extends RouteLike>(remembered: Remembered, nodes: RouteLike[]): RouteMatchLike<R>[] {
  const shared = remembered.sharedParams ? { ...remembered.matches[0]!.params } : undefined;
  return remembered.matches.map((m) => ({
    params: shared ?? { ...m.params },
    pathname: m.pathname,
    pathnameBase: m.pathnameBase,
    route: nodes[m.node] as R,
  }));
}

export function memoizeMatchRoutes(original: MatchRoutes, capacity = ROUTE_MATCH_MEMO_CAPACITY): RouteMatchMemo {
  /** Most recently used first. */
  const shapes: Shape[] = [];
  const stats = { hits: 0, misses: 0 };
  /** Trees already walked, by identity (the router never changes a tree it was given). */
  const trees = new WeakMap<object, { nodes: RouteLike[]; shape: Shape }>();
  const shapeOf = (nodes: RouteLike[]): Shape => {
    const at = shapes.findIndex((shape) => fits(shape, nodes));
    const shape = at >= 0 ? shapes.splice(at, 1)[0]! : { nodes: nodes.map(describe), paths: new Map() };
    shapes.unshift(shape);
    shapes.length = Math.min(shapes.length, MAX_SHAPES);
    return shape;
  };
  const memo: RouteMatchMemo = {
    enabled: true,
    get stats() {
      return { ...stats, size: shapes.reduce((n, shape) => n + shape.paths.size, 0) };
    },
    matchRoutes: <R extends RouteLike>(
      routes: R[],
      location: string | { pathname?: string },
      basename?: string,
    ): RouteMatchLike<R>[] | null => {
      if (!memo.enabled) return original(routes, location, basename);
      // The server runtime asks about the same tree object on every request: recognise it without the walk
      // (while its shape is still remembered). React Router's fresh copy per document is recognised by shape.
      let tree = trees.get(routes);
      if (!tree || !shapes.includes(tree.shape)) {
        const nodes = inOrder(routes);
        tree = { nodes, shape: shapeOf(nodes) };
        trees.set(routes, tree);
      }
      const { nodes } = tree;
      const { paths } = tree.shape;
      const key = `${basename ?? "/"}\u0000${pathnameOf(location)}`;
      const remembered = paths.get(key);
      if (remembered !== undefined) {
        stats.hits++;
        // Most recently used last: a Map iterates in insertion order.
        paths.delete(key);
        paths.set(key, remembered);
        return remembered && recall<R>(remembered, nodes);
      }
      stats.misses++;
      const matches = original(routes, location, basename);
      paths.set(key, remember(matches, nodes));
      if (paths.size > capacity) paths.delete(paths.keys().next().value!);
      return matches;
    },
  };
  return memo;
}

interface RouterModule {
  matchRoutes: MatchRoutes;
}

/**
 * The @remix-run/router module objects that the server runtime and React Router's rendering call
 * `matchRoutes` through: one today (npm dedupes it); a second copy would get a memo of its own.
 */
function routerModules(): RouterModule[] {
  const serverRuntime = requireThrough<RouterModule>([
    "@remix-run/node",
    "@remix-run/server-runtime",
    "@remix-run/router",
  ]);
  const rendering = requireThrough<RouterModule>([
    "@remix-run/react",
    "react-router-dom",
    "react-router",
    "@remix-run/router",
  ]);
  return [...new Set([serverRuntime, rendering])];
}

const MEMO = Symbol.for("sso-portal.route-match-memo");

export interface RouteMatchMemoControl {
  /** Off: every call goes to the original (what is remembered is kept, for an A/B comparison). */
  enabled: boolean;
  readonly stats: RouteMatchMemo["stats"];
}

let installed: RouteMatchMemoControl | undefined;

/** The memo the Remix handler installed; undefined before (or if nothing installed it). */
export function installedRouteMatchMemo(): RouteMatchMemoControl | undefined {
  return installed;
}

/**
 * Sends every `matchRoutes` call made through @remix-run/router's module object to a memo. Once per
 * process: later calls return the same control, over every patched copy.
 */
export function installRouteMatchMemo(): RouteMatchMemoControl {
  if (installed) return installed;
  const memos = routerModules().map((router) => {
    // Another instance of this module (a test runner's fresh module graph in the same process) may have
    // patched it already: use that memo rather than wrap one memo in another.
    const patched = router.matchRoutes as MatchRoutes & { [MEMO]?: RouteMatchMemo };
    if (patched[MEMO]) return patched[MEMO];
    const memo = memoizeMatchRoutes(router.matchRoutes);
    router.matchRoutes = Object.assign(memo.matchRoutes, { [MEMO]: memo });
    return memo;
  });
  installed = {
    get enabled() {
      return memos.every((memo) => memo.enabled);
    },
    set enabled(on: boolean) {
      for (const memo of memos) memo.enabled = on;
    },
    get stats() {
      const sum = { hits: 0, misses: 0, size: 0 };
      for (const { stats } of memos) {
        sum.hits += stats.hits;
        sum.misses += stats.misses;
        sum.size += stats.size;
      }
      return sum;
    },
  };
  return installed;
}
