import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateDocument } from "./index";
import { validateSamlMetadata } from "./saml-metadata";

/**
 * Mutated valid metadata never crashes, never hangs and always gets a verdict; whatever the
 * mutation, a DTD is always refused and a refused document never yields connection options.
 */
const DIR = join(import.meta.dirname, "../../tests/fixtures/idp-documents");
const NOW = new Date("2026-11-22T00:00:00Z");
const SEEDS = [
  "saml-okta-1.xml",
  "saml-google-1.xml",
  "saml-entra-1.xml",
  "saml-auth0-1.xml",
  "saml-testshib-aggregate-1.xml",
].map((f) => readFileSync(join(DIR, f), "utf8"));
const JSON_SEEDS = ["oidc-google.json", "jwks-entra.json", "oidc-okta.json"].map((f) =>
  readFileSync(join(DIR, f), "utf8"),
);

const SNIPPETS = [
  "<",
  ">",
  "&",
  "&amp;",
  "&lol;",
  '"',
  "'",
  "<!DOCTYPE x>",
  '<!ENTITY e "e">',
  "<!-- c -->",
  "<![CDATA[x]]>",
  '<?xml version="1.0"?>',
  "</md:EntityDescriptor>",
  "<md:IDPSSODescriptor>",
  'xmlns:md="urn:evil"',
  'Location="javascript:alert(1)"',
  'validUntil="2001-01-01T00:00:00Z"',
  "\u0000",
  "\uFEFF",
  "\uD800",
  "é",
  "{",
  "}",
];

type Mutation = (s: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 200 })).map(([at, len]): Mutation => (s) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + s.slice(i + len);
  }),
  fc
    .tuple(
      fc.nat(),
      fc.oneof(
        fc.constantFrom(...SNIPPETS),
        fc.string({ maxLength: 20 }),
        fc.string({ unit: "binary", maxLength: 10 }),
      ),
    )
    .map(([at, text]): Mutation => (s) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + text + s.slice(i);
    }),
  fc.tuple(fc.nat(), fc.nat({ max: 500 }), fc.integer({ min: 1, max: 20 })).map(([at, len, times]): Mutation => (s) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + s.slice(i, i + len).repeat(times) + s.slice(i);
  }),
  fc.nat().map(
    (at): Mutation =>
      (s) =>
        s.slice(0, at % (s.length + 1)),
  ),
  fc
    .tuple(
      fc.constantFrom("md:", "ds:", 'use="signing"', "HTTP-Redirect", "entityID", "xmlns"),
      fc.constantFrom("", "x:", "evil", "md:"),
    )
    .map(
      ([from, to]): Mutation =>
        (s) =>
          s.split(from).join(to),
    ),
);

function applyAll(seed: string, mutations: Mutation[]): string {
  return mutations.reduce((s, m) => m(s), seed);
}

const VERDICTS = new Set(["ok", "warn", "error"]);

// Generous: the machine running CI may be loaded; a real hang still fails (vitest's timeout).
describe("property: mutated documents", { timeout: 60_000 }, () => {
  it("mutated SAML metadata always gets a verdict without throwing", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (seed, ms, asBytes) => {
          const doc = applyAll(seed, ms);
          const input = asBytes ? new TextEncoder().encode(doc) : doc;
          const report = validateSamlMetadata(input, { now: NOW });
          expect(VERDICTS.has(report.verdict)).toBe(true);
          expect(report.verdict === "error").toBe(report.errors.length > 0);
          if (report.verdict === "error") expect(report.options).toBeNull();
          for (const f of [...report.errors, ...report.warnings]) {
            expect(typeof f.code).toBe("string");
            expect(f.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("any DOCTYPE or ENTITY outside comments is refused, wherever it is inserted", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS.filter((s) => !s.includes("<!--"))),
        fc.nat(),
        fc.constantFrom("<!DOCTYPE x>", '<!ENTITY e "e">', "<!ELEMENT x ANY>"),
        (seed, at, decl) => {
          // Seeds without comments, and only between tags: the declaration is never inside a comment.
          const gaps = [...seed.matchAll(/>(?=\s*<)/g)].map((m) => m.index! + 1);
          const i = gaps[at % gaps.length]!;
          const doc = seed.slice(0, i) + decl + seed.slice(i);
          const report = validateSamlMetadata(doc, { now: NOW });
          expect(report.errors.map((e) => e.code)).toContain("XML_DTD_FORBIDDEN");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("mutated JSON documents (discovery, JWKS) always get a verdict", () => {
    fc.assert(
      fc.property(fc.constantFrom(...JSON_SEEDS), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, ms) => {
        const report = validateDocument(applyAll(seed, ms), { now: NOW });
        expect(VERDICTS.has(report.verdict)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("arbitrary bytes get a verdict", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(VERDICTS.has(validateDocument(bytes, { now: NOW }).verdict)).toBe(true);
        expect(VERDICTS.has(validateSamlMetadata(bytes, { now: NOW }).verdict)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("deep nesting up to the size cap does not exhaust the stack", () => {
    const depth = 100_000;
    const doc = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">${"<a>".repeat(depth)}${"</a>".repeat(depth)}</md:EntityDescriptor>`;
    expect(validateSamlMetadata(doc, { now: NOW }).verdict).toBe("error");
  });
});
