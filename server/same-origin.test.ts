import { describe, expect, it } from "vitest";
import { judgeOrigin } from "./same-origin";

const PORTAL = "https://sso.example.com";

describe("same-origin check for requests that change things", () => {
  it("lets reads through whatever their headers", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"])
      expect(judgeOrigin(method, { origin: "https://evil.example", secFetchSite: "cross-site" }, PORTAL).ok).toBe(true);
  });

  it("accepts a POST from the portal's own pages", () => {
    expect(judgeOrigin("POST", { origin: PORTAL, secFetchSite: "same-origin" }, PORTAL).ok).toBe(true);
    expect(judgeOrigin("POST", { origin: PORTAL }, PORTAL).ok).toBe(true);
    expect(judgeOrigin("POST", { secFetchSite: "same-origin" }, PORTAL).ok).toBe(true);
  });

  it.each([
    [{ origin: "https://evil.example" }],
    [{ origin: "https://evil.example", secFetchSite: "same-origin" }],
    [{ origin: PORTAL, secFetchSite: "cross-site" }],
    [{ origin: PORTAL, secFetchSite: "same-site" }],
    [{ secFetchSite: "none" }],
    [{ origin: "null" }],
    [{ origin: "https://sso.example.com.evil.example" }],
    [{ origin: "http://sso.example.com" }],
    [{}],
  ])("refuses a POST with %j", (headers) => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"])
      expect(judgeOrigin(method, headers, PORTAL).ok).toBe(false);
  });
});
