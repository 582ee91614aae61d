import { describe, expect, it } from "vitest";
import {
  hasParamsToStrip,
  passThroughCallRouteLoader,
  type CallRouteLoader,
  type ResponsesModule,
} from "./loader-requests";
import { originalExport, requireThrough } from "./replace-export";

/** The server runtime's own modules (the original `callRouteLoader`, whatever is installed now). */
const runtime = <T>(file: string) => requireThrough<T>(["@remix-run/node", "@remix-run/server-runtime"], file);
const original = originalExport<CallRouteLoader>(runtime<object>("data.js"), "callRouteLoader");
const { replacement } = passThroughCallRouteLoader(original, runtime<ResponsesModule>("responses.js"));

function loaderSeeing() {
  const seen: Request[] = [];
  return {
    seen,
    loader: ({ request }: { request: Request }) => {
      seen.push(request);
      return { url: request.url };
    },
  };
}

const args = (request: Request, loader: (a: { request: Request }) => unknown, singleFetch = true) => ({
  request,
  loader,
  params: { slug: "acme" },
  loadContext: { requestId: "r" },
  routeId: "routes/orgs.$slug.sso._index",
  singleFetch,
});

describe("which URLs Remix's loader copies would change", () => {
  it.each([
    ["http://p/orgs/acme/sso", false],
    ["http://p/orgs/acme/sso?state=pending", false],
    ["http://p/support/changes?q=index&routes=x", false],
    ["http://p/orgs/acme/sso?index", true],
    ["http://p/orgs/acme/sso?index=&x=1", true],
    ["http://p/orgs/acme/sso?_routes=root,routes%2Forgs.%24slug", true],
    ["http://p/x?a=1#index", false],
  ])("%s: %s", (url, expected) => expect(hasParamsToStrip(url)).toBe(expected));
});

describe("the loaders' request without Remix's copies", () => {
  it("gives each loader the request itself when there is nothing to strip", async () => {
    const request = new Request("http://p/orgs/acme/sso?state=pending", { headers: { cookie: "a=b" } });
    const { seen, loader } = loaderSeeing();
    await expect(replacement(args(request, loader))).resolves.toEqual({ url: request.url });
    await replacement(args(request, loader));
    expect(seen).toEqual([request, request]);
    // The server runtime's own gives a copy with the same URL, method and headers.
    await original(args(request, loader));
    expect(seen[2]).not.toBe(request);
    expect([seen[2]!.url, seen[2]!.method, seen[2]!.headers.get("cookie")]).toEqual([request.url, "GET", "a=b"]);
  });

  it("strips `index` and `_routes` as the server runtime does", async () => {
    for (const url of ["http://p/orgs/acme/sso?index&x=1", "http://p/orgs/acme/sso?_routes=root&index=1"]) {
      const { seen, loader } = loaderSeeing();
      await replacement(args(new Request(url), loader));
      await original(args(new Request(url), loader));
      expect(seen[0]!.url).toBe(seen[1]!.url);
      expect(seen[0]!.url).not.toContain("_routes");
    }
  });

  it("leaves a request without single fetch to the server runtime", async () => {
    const request = new Request("http://p/orgs/acme/sso?_data=routes%2Forgs");
    const { seen, loader } = loaderSeeing();
    await replacement(args(request, loader, false));
    expect(seen[0]).not.toBe(request);
    expect(seen[0]!.url).toBe("http://p/orgs/acme/sso");
  });

  it("answers as the server runtime does: values, null, undefined, thrown responses", async () => {
    const request = new Request("http://p/orgs/acme/sso");
    const loaders = [
      () => ({ a: 1 }),
      () => null,
      () => undefined,
      () => {
        throw new Response("gone", { status: 404 });
      },
      async () => new Response(null, { status: 302, headers: { location: "/signed-out" } }),
    ];
    for (const loader of loaders) {
      const [ours, theirs] = await Promise.allSettled([
        replacement(args(request, loader)),
        original(args(request, loader)),
      ]);
      if (theirs.status === "rejected") {
        expect(ours.status).toBe("rejected");
        const [a, b] = [(ours as PromiseRejectedResult).reason, theirs.reason];
        if (a instanceof Response) expect([a.status, await a.text()]).toEqual([b.status, await b.text()]);
        else expect(String(a)).toBe(String(b));
      } else {
        expect(ours.status).toBe("fulfilled");
        const [a, b] = [(ours as PromiseFulfilledResult<unknown>).value, theirs.value];
        if (a instanceof Response)
          expect([a.status, a.headers.get("location")]).toEqual([
            (b as Response).status,
            (b as Response).headers.get("location"),
          ]);
        else expect(a).toEqual(b);
      }
    }
  });
});
