import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETURN_TO, sanitizeReturnTo } from "./return-to";

describe("sanitizeReturnTo", () => {
  it("keeps paths inside the portal, with their query and fragment", () => {
    expect(sanitizeReturnTo("/orgs/acme")).toBe("/orgs/acme");
    expect(sanitizeReturnTo("/invites/abc_DEF-123?x=1#top")).toBe("/invites/abc_DEF-123?x=1#top");
    expect(sanitizeReturnTo("/support")).toBe("/support");
  });

  it.each([
    "//evil.example",
    "//evil.example/orgs",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%2Fevil.example",
    "%252F%252Fevil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    " /orgs",
    "orgs/acme",
    "",
    "/auth/login?returnTo=//evil.example",
    "/auth/logout",
    "/signed-out",
    // Routes match case-insensitively and after decoding: these reach the refused pages too.
    "/AUTH/logout",
    "/Auth/callback",
    "/%61uth/callback",
    "/Signed-Out",
    "%",
    "/%E0%A4%A",
  ])("refuses %j", (value) => {
    expect(sanitizeReturnTo(value)).toBe(DEFAULT_RETURN_TO);
  });

  it("refuses what is not a string, and very long values", () => {
    expect(sanitizeReturnTo(undefined)).toBe(DEFAULT_RETURN_TO);
    expect(sanitizeReturnTo(null)).toBe(DEFAULT_RETURN_TO);
    expect(sanitizeReturnTo(["/orgs"])).toBe(DEFAULT_RETURN_TO);
    expect(sanitizeReturnTo(`/${"a".repeat(3000)}`)).toBe(DEFAULT_RETURN_TO);
  });

  it("never returns anything a browser would resolve to another origin (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl(),
          fc.string().map((s) => `/${s}`),
          fc.string().map((s) => `//${s}`),
          fc.string().map((s) => encodeURIComponent(`//${s}`)),
        ),
        (value) => {
          const out = sanitizeReturnTo(value);
          expect(out.startsWith("/")).toBe(true);
          expect(out.startsWith("//")).toBe(false);
          expect(out.includes("\\")).toBe(false);
          expect(new URL(out, "https://portal.example").origin).toBe("https://portal.example");
        },
      ),
      { numRuns: 2000 },
    );
  });
});
