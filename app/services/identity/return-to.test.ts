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
    // Dot-segments that climb to `//host` once the URL is normalized (security review 2026-12-06).
    "/..//127.0.0.1:4399/pwned.html",
    "%2F..%2F%2F127.0.0.1%3A4399%2Fpwned.html",
    "/orgs/..//evil.example",
    "/orgs/acme/../..//evil.example",
    "/./..//evil.example",
    "/%2e%2e//evil.example",
    "/.%2e//evil.example",
    "/%2E%2E//evil.example",
    "/orgs/%2e%2e//evil.example",
    "/%252e%252e//evil.example",
    "/%2e%2e%2f%2fevil.example",
    "/..%2f%2fevil.example",
    "/..%5c%5cevil.example",
    "/..\\evil.example",
    "/../\\evil.example",
    "/..%09//evil.example",
    "/\t..//evil.example",
    "/..//\tevil.example",
  ])("refuses %j", (value) => {
    expect(sanitizeReturnTo(value)).toBe(DEFAULT_RETURN_TO);
  });

  it("refuses what is not a string, and very long values", () => {
    expect(sanitizeReturnTo(undefined)).toBe(DEFAULT_RETURN_TO);
    expect(sanitizeReturnTo(null)).toBe(DEFAULT_RETURN_TO);
    expect(sanitizeReturnTo(["/orgs"])).toBe(DEFAULT_RETURN_TO);
    expect(sanitizeReturnTo(`/${"a".repeat(3000)}`)).toBe(DEFAULT_RETURN_TO);
  });

  it("keeps harmless dot-segments, resolved", () => {
    expect(sanitizeReturnTo("/orgs/acme/../globex")).toBe("/orgs/globex");
    expect(sanitizeReturnTo("/orgs/./acme")).toBe("/orgs/acme");
  });

  /** Pieces an attacker strings together: dot-segments, slashes and backslashes, each plain and encoded, and whitespace. */
  const hostilePiece = fc.constantFrom(
    "/",
    "//",
    "\\",
    "..",
    ".",
    "%2e",
    "%2E",
    "%2e%2e",
    ".%2e",
    "%2f",
    "%2F",
    "%5c",
    "%5C",
    "%252f",
    "%252e",
    "\t",
    "\n",
    "\r",
    "%09",
    "%0a",
    " ",
    "evil.example",
    "127.0.0.1:4399",
    "orgs",
    "acme",
    "@",
    ":",
    "?",
    "#",
  );
  const hostileValue = fc.array(hostilePiece, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(""));

  /** Every way a browser could read the answer as a Location header: as sent, and after it strips tabs and newlines. */
  function expectStaysOnPortal(out: string) {
    expect(out.startsWith("/")).toBe(true);
    expect(out.startsWith("//")).toBe(false);
    expect(out.includes("\\")).toBe(false);
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u0020]/.test(out)).toBe(false);
    const resolved = new URL(out, "https://portal.example");
    expect(resolved.origin).toBe("https://portal.example");
    expect(resolved.pathname.startsWith("//")).toBe(false);
    // What the answer becomes after one more round of decoding must not climb out either.
    let decoded = out;
    try {
      decoded = decodeURIComponent(out);
    } catch {
      return;
    }
    expect(new URL(decoded, "https://portal.example").origin).toBe("https://portal.example");
    expect(new URL(decoded, "https://portal.example").pathname.startsWith("//")).toBe(false);
  }

  it("never returns anything a browser would resolve to another origin (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl(),
          fc.string().map((s) => `/${s}`),
          fc.string().map((s) => `//${s}`),
          fc.string().map((s) => encodeURIComponent(`//${s}`)),
          hostileValue,
          hostileValue.map((s) => `/${s}`),
          hostileValue.map((s) => `/orgs/${s}`),
          hostileValue.map((s) => encodeURIComponent(`/${s}`)),
        ),
        (value) => expectStaysOnPortal(sanitizeReturnTo(value)),
      ),
      { numRuns: 2000 },
    );
  }, 30_000);

  it("never climbs out by dot-segments, however they are spelled (property)", () => {
    const dots = fc.constantFrom("..", ".%2e", "%2e.", "%2e%2e", "%2E%2E", "%252e%252e");
    const slash = fc.constantFrom("/", "%2f", "%2F", "\\", "%5c", "%252f");
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("orgs", "acme", "."), { maxLength: 3 }),
        fc.array(dots, { minLength: 1, maxLength: 4 }),
        slash,
        slash,
        fc.constantFrom("", "\t", "%09", "\n"),
        (start, climbs, s1, s2, ws) => {
          const value = `/${[...start, ...climbs].join("/")}${s1}${ws}${s2}evil.example/x`;
          expectStaysOnPortal(sanitizeReturnTo(value));
        },
      ),
      { numRuns: 2000 },
    );
  }, 30_000);
});
