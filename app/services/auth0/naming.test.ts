import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectionName, isValidConnectionName, sanitizeNamePart } from "./naming";

const protocol = fc.constantFrom("saml" as const, "oidc" as const);
const slugChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789");
/** Slugs as the organizations table allows them: ^[a-z0-9](-?[a-z0-9])*$ */
const validSlug = fc
  .array(fc.tuple(fc.boolean(), fc.string({ unit: slugChar, minLength: 1, maxLength: 12 })), {
    minLength: 1,
    maxLength: 30,
  })
  .map((parts) => parts.map(([hyphen, s], i) => (i > 0 && hyphen ? `-${s}` : s)).join(""));

describe("connection names", () => {
  it("reads prefix-slug-protocol for ordinary slugs", () => {
    expect(connectionName("sso", "acme", "saml")).toBe("sso-acme-saml");
    expect(connectionName("sso", "globex-eu", "oidc")).toBe("sso-globex-eu-oidc");
    expect(connectionName("", "acme", "oidc")).toBe("acme-oidc");
  });

  it("is always valid for Auth0 and at most 128 characters, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }),
        fc.string({ minLength: 0, maxLength: 300 }),
        protocol,
        (p, s, proto) => {
          fc.pre(sanitizeNamePart(s) !== "");
          const name = connectionName(p, s, proto);
          expect(isValidConnectionName(name)).toBe(true);
          expect(name.endsWith(`-${proto}`)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("is deterministic and gives different organizations different names", () => {
    fc.assert(
      fc.property(validSlug, validSlug, protocol, (a, b, proto) => {
        expect(connectionName("sso", a, proto)).toBe(connectionName("sso", a, proto));
        if (a !== b) expect(connectionName("sso", a, proto)).not.toBe(connectionName("sso", b, proto));
      }),
      { numRuns: 2000 },
    );
  });

  it("shortens long slugs with a hash so shared beginnings still differ", () => {
    const a = `${"x".repeat(130)}-one`;
    const b = `${"x".repeat(130)}-two`;
    const na = connectionName("sso", a, "saml");
    expect(na).toHaveLength(128);
    expect(na).not.toBe(connectionName("sso", b, "saml"));
    expect(isValidConnectionName(na)).toBe(true);
  });

  it("gives the two protocols of one organization different names", () => {
    fc.assert(
      fc.property(validSlug, (s) => {
        expect(connectionName("sso", s, "saml")).not.toBe(connectionName("sso", s, "oidc"));
      }),
    );
  });

  it("names the staged connection <prefix>-<slug>-<protocol>-test, never another organization's live one", () => {
    expect(connectionName("sso", "acme", "saml", "test")).toBe("sso-acme-saml-test");
    fc.assert(
      fc.property(validSlug, validSlug, protocol, protocol, (a, b, pa, pb) => {
        const test = connectionName("sso", a, pa, "test");
        expect(isValidConnectionName(test)).toBe(true);
        expect(test).not.toBe(connectionName("sso", b, pb, "live"));
        if (a !== b || pa !== pb) expect(test).not.toBe(connectionName("sso", b, pb, "test"));
      }),
      { numRuns: 2000 },
    );
    expect(connectionName("sso", "x".repeat(200), "oidc", "test")).toMatch(/-oidc-test$/);
  });

  it("refuses a slug with nothing usable in it", () => {
    expect(() => connectionName("sso", "--__--", "saml")).toThrow(/slug/);
  });
});
