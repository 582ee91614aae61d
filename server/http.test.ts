import { describe, expect, it } from "vitest";
import { requestIdFrom } from "~/services/platform/request-context.server";
import { loggablePath, originFormTarget, pathOf } from "./http";

describe("request logging", () => {
  it("never logs query strings or setup-link tokens", () => {
    expect(loggablePath("/auth/callback?code=abc&state=def")).toBe("/auth/callback");
    expect(loggablePath("/invites/4f9a2b7c1d")).toBe("/invites/[token]");
    expect(loggablePath("/invites/4f9a2b7c1d/accept?x=1")).toBe("/invites/[token]/accept");
  });

  it("accepts a plain caller request id and replaces a hostile one", () => {
    expect(requestIdFrom("abc-123.def")).toBe("abc-123.def");
    const replaced = requestIdFrom('x"\n{"level":"fatal"}');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom(null)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("request targets", () => {
  it("are paths: an absolute form counts as its path and query, anything else as no path", () => {
    expect(originFormTarget("/orgs/acme?x=1")).toBe("/orgs/acme?x=1");
    expect(originFormTarget("//evil.example/x")).toBe("//evil.example/x");
    expect(originFormTarget("http://evil.example/orgs/acme?x=1")).toBe("/orgs/acme?x=1");
    expect(originFormTarget("HTTPS://evil.example")).toBe("/");
    expect(originFormTarget("http://evil.example//other.example/x")).toBe("//other.example/x");
    expect(originFormTarget("http://evil.example/a/../%2e%2e/b")).toBe("/b");
    expect(originFormTarget("*")).toBeUndefined();
    expect(originFormTarget("evil.example/x")).toBeUndefined();
    expect(originFormTarget("javascript:alert(1)")).toBeUndefined();
    expect(originFormTarget("http://[bad/x")).toBeUndefined();
  });

  it("have a path without query or fragment, as Express's req.path", () => {
    expect(pathOf("/orgs/acme.data?_routes=x")).toBe("/orgs/acme.data");
    expect(pathOf("/healthz#frag?x")).toBe("/healthz");
    expect(pathOf("/a?b#c")).toBe("/a");
    expect(pathOf("/%2e%2e/")).toBe("/%2e%2e/");
    expect(pathOf("/")).toBe("/");
  });
});
