import { describe, expect, it } from "vitest";
import { requestIdFrom } from "~/services/platform/request-context.server";
import { loggablePath } from "./http";

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
