import { replaceExport, replacementStats, requireThrough } from "./replace-export";

/**
 * Remix hands every loader its own copy of the request (ADR 025).
 *
 * @remix-run/server-runtime's `callRouteLoader` makes two new `Request`s per loader, each with an
 * `AbortSignal` that follows its parent's, to take the `index` and `_routes` search parameters out of
 * the URL (`stripRoutesParam(stripIndexParam(request))`). A page runs three loaders, so a client-side
 * navigation made six copies that differed from the request they were made from in nothing at all
 * whenever the URL carries neither parameter — which is every request but a few form posts' reloads.
 * Each copy costs ~25 µs of CPU (undici's Request, Headers and the following signal): 4 % of the org
 * SSO page's navigation.
 *
 * The server runtime calls `callRouteLoader` through its module object (`data.callRouteLoader(…)`,
 * routes.js), so it can be replaced the way ADR 019 replaced `matchRoutes`. The replacement does what
 * the original does with single fetch on (call the loader, refuse `undefined`, redirect a deferred
 * redirect, return the result as it is) but gives the loader the request itself when there is nothing
 * to strip; any other call (a URL with `index` or `_routes`, single fetch off) goes to the original.
 */

interface CallRouteLoaderArgs {
  loadContext: unknown;
  loader: (args: { request: Request; context: unknown; params: unknown }) => unknown;
  params: unknown;
  request: Request;
  routeId: string;
  singleFetch: boolean;
}

export type CallRouteLoader = (args: CallRouteLoaderArgs) => Promise<unknown>;

interface DataModule {
  callRouteLoader: CallRouteLoader;
}

export interface ResponsesModule {
  isDeferredData(value: unknown): value is { init?: ResponseInit };
  isRedirectStatusCode(status: number): boolean;
  redirect(url: string, init?: ResponseInit): Response;
}

/** Whether the original would change the URL: it takes out `_routes`, and `index` when empty. */
export function hasParamsToStrip(url: string): boolean {
  const q = url.indexOf("?");
  if (q < 0) return false;
  const hash = url.indexOf("#", q);
  const params = new URLSearchParams(url.slice(q + 1, hash < 0 ? undefined : hash));
  return params.has("index") || params.has("_routes");
}

/** Loaders given the request itself, and calls sent to the original (a URL with something to strip). */
export interface LoaderRequestStats {
  passedThrough: number;
  copied: number;
}

export function passThroughCallRouteLoader(
  original: CallRouteLoader,
  responses: ResponsesModule,
): { replacement: CallRouteLoader; stats: LoaderRequestStats } {
  const loaderRequestStats: LoaderRequestStats = { passedThrough: 0, copied: 0 };
  const replacement = async (args: CallRouteLoaderArgs): Promise<unknown> => {
    if (!args.singleFetch || hasParamsToStrip(args.request.url)) {
      loaderRequestStats.copied++;
      return original(args);
    }
    loaderRequestStats.passedThrough++;
    const result = await args.loader({ request: args.request, context: args.loadContext, params: args.params });
    if (result === undefined) {
      throw new Error(
        `You defined a loader for route "${args.routeId}" but didn't return anything from your \`loader\` function. Please return a value or \`null\`.`,
      );
    }
    if (responses.isDeferredData(result) && result.init && responses.isRedirectStatusCode(result.init.status || 200)) {
      return responses.redirect(new Headers(result.init.headers).get("Location")!, result.init);
    }
    return result;
  };
  return { replacement, stats: loaderRequestStats };
}

/** The server runtime's own modules, as its routes.js requires them (one copy; npm dedupes it). */
function serverRuntimeModule<T>(file: string): T {
  return requireThrough<T>(["@remix-run/node", "@remix-run/server-runtime"], file);
}

/** What the installed replacement counted; undefined while the server runtime's own is in place. */
export function loaderRequestStats(): LoaderRequestStats | undefined {
  return replacementStats(serverRuntimeModule("data.js"), "callRouteLoader");
}

/** Replaces the server runtime's `callRouteLoader`, once per process. */
export function installLoaderRequestPassThrough(): void {
  replaceExport(serverRuntimeModule<DataModule>("data.js"), "callRouteLoader", (original: CallRouteLoader) =>
    passThroughCallRouteLoader(original, serverRuntimeModule<ResponsesModule>("responses.js")),
  );
}
