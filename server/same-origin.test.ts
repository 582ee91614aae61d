import { describe, expect, it } from "vitest";
import { isBearerOnlyPath, judgeOrigin } from "./same-origin";

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

describe("paths left to the API's bearer keys", () => {
  it("are /api/v1 and below only", () => {
    expect(isBearerOnlyPath("/api/v1")).toBe(true);
    expect(isBearerOnlyPath("/api/v1/organizations")).toBe(true);
    for (const path of [
      "/api/v10/x",
      "/api/v1x",
      "/orgs/acme",
      "/support",
      "/api",
      "/x/api/v1/organizations",
      "/api/v1/../orgs/acme",
      "/api/v1/%2e%2e/orgs/acme",
      "/api/v1/%2E%2e/support",
    ])
      expect(isBearerOnlyPath(path)).toBe(false);
  });
});
