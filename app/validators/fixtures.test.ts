import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateDocument, type DocumentKind, type ValidationReport } from "./index";

/**
 * Every real-world document in tests/fixtures/idp-documents (a byte-exact copy of
 * ../shared/fixtures/idp-documents) gets the verdict its MANIFEST.tsv expects, judged as of
 * 2026-11-22, and the report names the reasons (the codes below restate each manifest reason).
 */
const DIR = join(import.meta.dirname, "../../tests/fixtures/idp-documents");
const NOW = new Date("2026-11-22T00:00:00Z");
const VERDICT = { accept: "ok", warn: "warn", reject: "error" } as const;

interface Row {
  file: string;
  kind: string;
  expected: keyof typeof VERDICT;
  reason: string;
}

const rows: Row[] = readFileSync(join(DIR, "MANIFEST.tsv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const cols = line.split("\t");
    return { file: cols[0]!, kind: cols[1]!, expected: cols[6] as Row["expected"], reason: cols[7]! };
  });

/** Codes each report must contain (errors for reject, warnings for warn), from the manifest reasons. */
const REASONS: Record<string, { errors?: string[]; warnings?: string[]; notes?: string[] }> = {
  "saml-adfs-1.xml": { warnings: ["CERT_EXPIRED"], notes: ["METADATA_SIGNER_NOT_TRUSTED"] },
  "saml-entra-1.xml": { warnings: ["CERT_EXPIRED"], notes: ["METADATA_SIGNER_NOT_TRUSTED"] },
  "saml-google-1.xml": {},
  "saml-okta-1.xml": {},
  "saml-okta-3.xml": { notes: ["SIGNED_REQUESTS_REQUIRED"] },
  "saml-keycloak-1.xml": { warnings: ["ENDPOINT_PLAIN_HTTP"], notes: ["SIGNED_REQUESTS_REQUIRED"] },
  "saml-shibboleth-1.xml": { warnings: ["CERT_EXPIRED"] },
  "saml-onelogin-1.xml": { warnings: ["CERT_EXPIRED", "CERT_SHA1"], notes: ["ENDPOINT_DUPLICATE"] },
  "saml-auth0-1.xml": {},
  "saml-samltest-1.xml": { notes: ["CERT_SEVERAL"] },
  "saml-testshib-aggregate-1.xml": { warnings: ["AGGREGATE_ONE_IDP_SELECTED"] },
  "saml-multicert-rotation-1.xml": {
    warnings: ["CERT_EXPIRED", "CERT_WEAK_KEY"],
    notes: ["CERT_DUPLICATE", "CERT_SEVERAL"],
  },
  "saml-sp-only-1.xml": { errors: ["NO_IDP_DESCRIPTOR"] },
  "saml-msonline-sp-1.xml": { errors: ["NO_IDP_DESCRIPTOR"] },
  "malformed-no-entityid-1.xml": { errors: ["XML_MALFORMED"] },
  "malformed-mismatched-tag-1.xml": { errors: ["XML_MALFORMED"] },
  "malformed-empty-1.xml": { errors: ["EMPTY_DOCUMENT"] },
  "oidc-google.json": {},
  "oidc-okta.json": {},
  "oidc-entra-tenant.json": {},
  "oidc-entra-common.json": { warnings: ["OIDC_ISSUER_TEMPLATE"] },
  "oidc-auth0.json": {},
  "oidc-keycloak-http.json": { errors: ["OIDC_ISSUER_NOT_HTTPS", "OIDC_ENDPOINT_NOT_HTTPS"] },
  "oidc-missing-jwks-uri.json": { errors: ["OIDC_MISSING_FIELD"] },
  "jwks-google.json": {},
  "jwks-entra.json": {},
  "jwks-keycloak.json": { notes: ["JWK_SKIPPED"] },
  "jwks-bad-x5c-1.json": { errors: ["JWKS_X5C_INVALID"] },
  "evil-billion-laughs-1.xml": { errors: ["XML_DTD_FORBIDDEN"] },
  "evil-xxe-file-1.xml": { errors: ["XML_DTD_FORBIDDEN"] },
  "evil-xxe-http-1.xml": { errors: ["XML_DTD_FORBIDDEN"] },
  "evil-javascript-url-1.xml": { errors: ["NO_IDP_DESCRIPTOR", "ENDPOINT_URL_INVALID", "METADATA_EXPIRED"] },
  "evil-xsw-response-1.xml": { errors: ["NOT_SAML_METADATA"] },
};

function judge(row: Row): ValidationReport {
  const kind = row.kind === "hostile" ? undefined : (row.kind as DocumentKind);
  return validateDocument(readFileSync(join(DIR, row.file)), {
    now: NOW,
    nameHint: row.file,
    ...(kind ? { kind } : {}),
  });
}

const codes = (list: { code: string }[]) => list.map((f) => f.code);

describe("real-world IdP documents (MANIFEST.tsv, as of 2026-11-22)", () => {
  it("covers every document in the manifest", () => {
    expect(rows.length).toBe(33);
    expect(Object.keys(REASONS).sort()).toEqual(rows.map((r) => r.file).sort());
  });

  for (const row of rows) {
    it(`${row.file}: ${row.expected}`, () => {
      const report = judge(row);
      expect(report.verdict, JSON.stringify({ errors: report.errors, warnings: report.warnings }, null, 1)).toBe(
        VERDICT[row.expected],
      );
      const want = REASONS[row.file]!;
      expect(codes(report.errors)).toEqual(expect.arrayContaining(want.errors ?? []));
      expect(codes(report.warnings)).toEqual(expect.arrayContaining(want.warnings ?? []));
      expect(codes(report.notes)).toEqual(expect.arrayContaining(want.notes ?? []));
      // A report always says why, in words, with a fix.
      for (const f of [...report.errors, ...report.warnings]) {
        expect(f.message.length).toBeGreaterThan(20);
        expect(f.fix.length).toBeGreaterThan(10);
      }
      if (report.verdict === "error") expect(report.options).toBeNull();
      else if (report.kind !== "jwks") expect(report.options).not.toBeNull();
      if (row.kind !== "hostile" && row.kind !== "jwks" && row.expected !== "reject")
        expect(report.kind).toBe(row.kind);
    });
  }
});

describe("facts and Auth0 options from real documents", () => {
  const load = (file: string) => judge(rows.find((r) => r.file === file)!);

  it("Okta: entity ID, both bindings, the certificate and samlp options", () => {
    const r = load("saml-okta-1.xml");
    if (r.kind !== "saml-metadata") throw new Error("kind");
    expect(r.facts.product).toBe("Okta");
    expect(r.facts.entityId).toBe("http://www.okta.com/exkdoocxa1VmjpXmX697");
    expect(r.facts.ssoServices.map((s) => s.binding.replace(/^.*:/, "")).sort()).toEqual([
      "HTTP-POST",
      "HTTP-Redirect",
    ]);
    const [cert] = r.facts.certificates;
    expect(cert).toMatchObject({
      use: "signing",
      keyType: "RSA",
      keySize: 2048,
      signatureAlgorithm: "sha256WithRSAEncryption",
      expired: false,
    });
    expect(cert!.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert!.fingerprintSha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(cert!.daysLeft).toBe(Math.floor((Date.parse(cert!.notAfter) - NOW.getTime()) / 86_400_000));
    expect(r.options).toMatchObject({
      signInEndpoint: r.facts.ssoServices.find((s) => s.binding.endsWith("HTTP-Redirect"))!.location,
      protocolBinding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
      signatureAlgorithm: "rsa-sha256",
      digestAlgorithm: "sha256",
      signSAMLRequest: false,
    });
    // signingCert is base64 of the PEM file (Auth0: `cat signing-cert.crt | base64`).
    const pem = Buffer.from(r.options!.signingCert!, "base64").toString("utf8");
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/);
    expect(pem.replace(/-----[A-Z ]+-----|\n/g, "")).toBe(cert!.base64);
  });

  it("Okta with WantAuthnRequestsSigned turns request signing on", () => {
    const r = load("saml-okta-3.xml");
    if (r.kind !== "saml-metadata") throw new Error("kind");
    expect(r.facts.wantAuthnRequestsSigned).toBe(true);
    expect(r.options?.signSAMLRequest).toBe(true);
  });

  it("AD FS: the signed metadata verifies; WS-Fed roles and the SP role are ignored", () => {
    const r = load("saml-adfs-1.xml");
    if (r.kind !== "saml-metadata") throw new Error("kind");
    expect(r.facts.product).toBe("Microsoft AD FS");
    expect(r.facts.entityId).toMatch(/^http:\/\/.*\/adfs\/services\/trust$/);
    expect(r.facts.signature).toMatchObject({ signed: true, valid: true, trusted: false });
    expect(r.facts.signature.algorithm).toMatch(/rsa-sha256$/);
    expect(r.facts.certificates.map((c) => c.use).sort()).toEqual(["encryption", "signing"]);
  });

  it("Entra ID: the BOM is tolerated and the expired certificate is the only warning", () => {
    const r = load("saml-entra-1.xml");
    if (r.kind !== "saml-metadata") throw new Error("kind");
    expect(r.facts.product).toBe("Microsoft Entra ID");
    expect(codes(r.warnings)).toEqual(["CERT_EXPIRED"]);
    expect(r.warnings[0]!.message).toContain("2026-11-16");
  });

  it("SAMLtest: both signing certificates are kept, the encryption one reported as such", () => {
    const r = load("saml-samltest-1.xml");
    if (r.kind !== "saml-metadata") throw new Error("kind");
    expect(r.facts.certificates.filter((c) => c.use === "signing")).toHaveLength(2);
    expect(r.facts.certificates.filter((c) => c.use === "encryption")).toHaveLength(1);
  });

  it("rotation metadata: the duplicate is dropped, the weak key named, the later-expiring cert chosen", () => {
    const r = load("saml-multicert-rotation-1.xml");
    if (r.kind !== "saml-metadata") throw new Error("kind");
    expect(r.facts.certificates).toHaveLength(2);
    expect(r.warnings.find((w) => w.code === "CERT_WEAK_KEY")!.message).toContain("1024-bit");
    const chosen = Buffer.from(r.options!.signingCert!, "base64")
      .toString("utf8")
      .replace(/-----[A-Z ]+-----|\n/g, "");
    const latest = [...r.facts.certificates].sort((a, b) => b.notAfter.localeCompare(a.notAfter))[0]!;
    expect(chosen).toBe(latest.base64);
  });

  it("the aggregate: the one IdP is selected, and can be chosen or refused by entity ID", () => {
    const file = readFileSync(join(DIR, "saml-testshib-aggregate-1.xml"));
    const auto = validateDocument(file, { now: NOW });
    if (auto.kind !== "saml-metadata") throw new Error("kind");
    const idp = auto.facts.entityId!;
    expect(auto.facts.aggregateEntityIds).toEqual([idp]);
    const chosen = validateDocument(file, { now: NOW, entityId: idp });
    expect(chosen.verdict).toBe("ok"); // chosen on purpose: no aggregate warning
    const wrong = validateDocument(file, { now: NOW, entityId: "https://nope.example/idp" });
    expect(codes(wrong.errors)).toEqual(["ENTITY_NOT_FOUND"]);
    expect(wrong.errors[0]!.message).toContain(idp);
  });

  it("OIDC: endpoints, PKCE and oidc options; the Auth0 issuer keeps its trailing slash", () => {
    const r = load("oidc-auth0.json");
    if (r.kind !== "oidc-discovery") throw new Error("kind");
    expect(r.facts.pkce).toEqual({ supported: true, methods: ["S256", "plain"] });
    expect(r.options).toMatchObject({
      type: "back_channel",
      issuer: "https://dev-ltxchcls4igzho78.us.auth0.com/",
      scope: "openid profile email",
    });
    expect(r.options!.jwks_uri).toBe("https://dev-ltxchcls4igzho78.us.auth0.com/.well-known/jwks.json");
  });

  it("JWKS: Entra keys without alg are usable; Keycloak's encryption key is skipped with a note", () => {
    const entra = load("jwks-entra.json");
    if (entra.kind !== "jwks") throw new Error("kind");
    expect(entra.facts.usableSigningKeys).toBe(entra.facts.keys.length);
    const kc = load("jwks-keycloak.json");
    if (kc.kind !== "jwks") throw new Error("kind");
    expect(kc.facts.keys.map((k) => k.usable)).toEqual([false, true]);
  });
});
