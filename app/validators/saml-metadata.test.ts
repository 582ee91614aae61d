import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignedXml } from "xml-crypto";
import { describe, expect, it } from "vitest";
import { validateSamlMetadata } from "./saml-metadata";

const NOW = new Date("2026-11-22T00:00:00Z");
const TESTDATA = join(import.meta.dirname, "../services/idp-documents/testdata");
const TEST_CERT_PEM = readFileSync(join(TESTDATA, "test-cert.pem"), "utf8");
const TEST_KEY_PEM = readFileSync(join(TESTDATA, "test-key.pem"), "utf8");
// A real 2048-bit RSA, SHA-256 certificate valid to 2034 (from the Okta fixture).
const OKTA_CERT = /<ds:X509Certificate>([^<]+)</.exec(
  readFileSync(join(import.meta.dirname, "../../tests/fixtures/idp-documents/saml-okta-1.xml"), "utf8"),
)![1]!;

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

interface Parts {
  entityId?: string;
  attrs?: string;
  idpAttrs?: string;
  sso?: string;
  keys?: string;
  extra?: string;
}

function idp(p: Parts = {}): string {
  const keys =
    p.keys ??
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${OKTA_CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  const sso = p.sso ?? `<md:SingleSignOnService Binding="${REDIRECT}" Location="https://idp.example.com/sso"/>`;
  return `<md:EntityDescriptor xmlns:md="${MD}" xmlns:ds="${DS}" ID="_root" entityID="${p.entityId ?? "https://idp.example.com"}" ${p.attrs ?? ""}><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" ${p.idpAttrs ?? ""}>${keys}${sso}</md:IDPSSODescriptor>${p.extra ?? ""}</md:EntityDescriptor>`;
}

const judge = (xml: string, extra: Partial<Parameters<typeof validateSamlMetadata>[1]> = {}) =>
  validateSamlMetadata(xml, { now: NOW, ...extra });
const errorCodes = (xml: string) => judge(xml).errors.map((e) => e.code);
const warningCodes = (xml: string) => judge(xml).warnings.map((e) => e.code);

function sign(xml: string, algorithm = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"): string {
  const sig = new SignedXml({
    privateKey: TEST_KEY_PEM,
    publicCert: TEST_CERT_PEM,
    signatureAlgorithm: algorithm,
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  sig.addReference({
    xpath: "/*",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
  });
  sig.computeSignature(xml, { location: { reference: "/*", action: "prepend" } });
  return sig.getSignedXml();
}

describe("validateSamlMetadata", () => {
  it("accepts minimal valid IdP metadata and derives the samlp options", () => {
    const r = judge(idp());
    expect(r.verdict).toBe("ok");
    expect(r.options).toMatchObject({
      signInEndpoint: "https://idp.example.com/sso",
      protocolBinding: REDIRECT,
      signSAMLRequest: false,
    });
    expect(r.options).not.toHaveProperty("signOutEndpoint");
  });

  it("prefers HTTP-Redirect, falls back to HTTP-POST, and refuses when neither is offered", () => {
    const both = `<md:SingleSignOnService Binding="${POST}" Location="https://idp.example.com/post"/><md:SingleSignOnService Binding="${REDIRECT}" Location="https://idp.example.com/redirect"/>`;
    expect(judge(idp({ sso: both })).options?.signInEndpoint).toBe("https://idp.example.com/redirect");
    const postOnly = `<md:SingleSignOnService Binding="${POST}" Location="https://idp.example.com/post"/>`;
    expect(judge(idp({ sso: postOnly })).options?.protocolBinding).toBe(POST);
    const soap = `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.example.com/soap"/>`;
    const r = judge(idp({ sso: soap }));
    expect(r.errors.map((e) => e.code)).toEqual(["SSO_NO_SUPPORTED_BINDING"]);
    expect(r.errors[0]!.message).toContain("SOAP");
    expect(errorCodes(idp({ sso: "" }))).toEqual(["SSO_NO_SUPPORTED_BINDING"]);
  });

  it.each([
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "file:///etc/passwd",
    "/relative/sso",
    "https://user:pw@idp.example.com/sso",
  ])("refuses the endpoint URL %s", (url) => {
    const sso = `<md:SingleSignOnService Binding="${REDIRECT}" Location="${url.replace(/</g, "&lt;").replace(/>/g, "&gt;")}"/>`;
    expect(errorCodes(idp({ sso }))).toContain("ENDPOINT_URL_INVALID");
  });

  it("warns about plain-http endpoints, except loopback ones in local mode", () => {
    const sso = `<md:SingleSignOnService Binding="${REDIRECT}" Location="http://localhost:4010/saml/sso"/>`;
    expect(warningCodes(idp({ sso }))).toEqual(["ENDPOINT_PLAIN_HTTP"]);
    expect(judge(idp({ sso }), { localMode: true }).verdict).toBe("ok");
    const remote = `<md:SingleSignOnService Binding="${REDIRECT}" Location="http://idp.example.com/sso"/>`;
    expect(judge(idp({ sso: remote }), { localMode: true }).warnings.map((w) => w.code)).toEqual([
      "ENDPOINT_PLAIN_HTTP",
    ]);
  });

  it("is namespace-aware: look-alike elements in another namespace are not SAML", () => {
    const foreignRoot = idp().replace(`xmlns:md="${MD}"`, 'xmlns:md="urn:example:not-saml"');
    expect(errorCodes(foreignRoot)).toEqual(["NOT_SAML_METADATA"]);
    const unprefixed = `<EntityDescriptor entityID="x"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`;
    expect(judge(unprefixed).errors[0]!.message).toContain("no namespace");
    const foreignRole = idp()
      .replace(/md:IDPSSODescriptor/g, "x:IDPSSODescriptor")
      .replace("<x:IDPSSODescriptor", '<x:IDPSSODescriptor xmlns:x="urn:example:evil"');
    expect(errorCodes(foreignRole)).toEqual(["NO_IDP_DESCRIPTOR"]);
    // A certificate outside XML-DSig is not a certificate.
    const foreignKey = idp()
      .replace(/ds:KeyInfo/g, "k:KeyInfo")
      .replace("<k:KeyInfo", '<k:KeyInfo xmlns:k="urn:example:keys"');
    const r = judge(foreignKey);
    expect(r.errors.map((e) => e.code)).toEqual(["NO_SIGNING_CERTIFICATE"]);
    expect(r.notes.map((n) => n.code)).toContain("KEYINFO_WRONG_NAMESPACE");
    // The same document with a default namespace instead of a prefix is fine.
    const defaultNs = idp().replace(/md:/g, "").replace(`xmlns:md="${MD}"`, `xmlns="${MD}"`);
    expect(judge(defaultNs).verdict).toBe("ok");
  });

  it("refuses an unbound prefix as malformed XML", () => {
    expect(errorCodes(idp().replace(`xmlns:ds="${DS}"`, ""))).toEqual(["XML_MALFORMED"]);
  });

  it("requires SAML 2.0 in protocolSupportEnumeration and an entityID", () => {
    expect(
      errorCodes(idp().replace("urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.1:protocol")),
    ).toEqual(["IDP_NO_SAML2"]);
    expect(errorCodes(idp().replace('entityID="https://idp.example.com"', ""))).toEqual(["ENTITY_ID_MISSING"]);
  });

  it("judges validUntil against the injected clock; a zone-less date is UTC", () => {
    expect(errorCodes(idp({ attrs: 'validUntil="2026-11-21T23:59:59Z"' }))).toEqual(["METADATA_EXPIRED"]);
    expect(errorCodes(idp({ attrs: 'validUntil="2026-11-21T23:59:59"' }))).toEqual(["METADATA_EXPIRED"]);
    expect(warningCodes(idp({ attrs: 'validUntil="2026-11-25T00:00:00Z"' }))).toEqual(["METADATA_EXPIRING_SOON"]);
    const later = judge(idp({ attrs: 'validUntil="2030-01-01T00:00:00Z" cacheDuration="PT6H"' }));
    expect(later.verdict).toBe("ok");
    expect(later.facts).toMatchObject({ validUntil: "2030-01-01T00:00:00.000Z", cacheDuration: "PT6H" });
    expect(warningCodes(idp({ attrs: 'validUntil="soon"' }))).toEqual(["VALID_UNTIL_INVALID"]);
    expect(errorCodes(idp({ idpAttrs: 'validUntil="2020-01-01T00:00:00Z"' }))).toEqual(["METADATA_EXPIRED"]);
  });

  it("warns about certificates expiring soon, and judges expiry by the injected clock", () => {
    const r = validateSamlMetadata(idp(), { now: new Date("2034-04-10T00:00:00Z") });
    expect(r.warnings.map((w) => w.code)).toEqual(["CERT_EXPIRING_SOON"]);
    expect(validateSamlMetadata(idp(), { now: new Date("2035-01-01T00:00:00Z") }).warnings.map((w) => w.code)).toEqual([
      "CERT_EXPIRED",
    ]);
  });

  it("keeps a KeyDescriptor without use as a signing key, ignores encryption-only keys for signing", () => {
    const noUse = idp({
      keys: `<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${OKTA_CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    });
    expect(judge(noUse).facts.certificates[0]!.use).toBe("signing-and-encryption");
    const encOnly = idp({
      keys: `<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${OKTA_CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    });
    expect(errorCodes(encOnly)).toEqual(["NO_SIGNING_CERTIFICATE"]);
  });

  it("skips an unreadable certificate with a warning, and refuses when none is left", () => {
    const bad = `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>bm90IGEgY2VydA==</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const good = `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${OKTA_CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    expect(warningCodes(idp({ keys: bad + good }))).toEqual(["CERT_UNREADABLE"]);
    expect(errorCodes(idp({ keys: bad }))).toEqual(["NO_SIGNING_CERTIFICATE"]);
  });

  it("picks from an aggregate: one IdP selected with a warning, several refused with their IDs", () => {
    const entity = (id: string) =>
      idp({ entityId: id })
        .replace(/ ID="_root"/, "")
        .replace(` xmlns:md="${MD}" xmlns:ds="${DS}"`, "");
    const agg = (...ids: string[]) =>
      `<md:EntitiesDescriptor xmlns:md="${MD}" xmlns:ds="${DS}">${ids.map(entity).join("")}</md:EntitiesDescriptor>`;
    expect(warningCodes(agg("https://a.example"))).toEqual(["AGGREGATE_ONE_IDP_SELECTED"]);
    const several = judge(agg("https://a.example", "https://b.example"));
    expect(several.errors.map((e) => e.code)).toEqual(["AGGREGATE_SEVERAL_IDPS"]);
    expect(several.errors[0]!.message).toContain("https://b.example");
    const picked = validateSamlMetadata(agg("https://a.example", "https://b.example"), {
      now: NOW,
      entityId: "https://b.example",
    });
    expect(picked.verdict).toBe("ok");
    expect(picked.facts.entityId).toBe("https://b.example");
  });

  it("truncates what it echoes from the document", () => {
    const long = `https://idp.example.com/${"a".repeat(5000)}`;
    const r = judge(
      idp({ sso: `<md:SingleSignOnService Binding="${REDIRECT}" Location="javascript:${"b".repeat(5000)}"/>` }),
    );
    expect(r.errors[0]!.message.length).toBeLessThan(400);
    expect(judge(idp({ entityId: long })).errors.map((e) => e.code)).toEqual(["ENTITY_ID_TOO_LONG"]);
  });

  describe("signed metadata", () => {
    it("verifies a valid signature and says the self-carried signer is not trusted", () => {
      const r = judge(sign(idp()));
      expect(r.verdict).toBe("ok");
      expect(r.facts.signature).toMatchObject({ signed: true, valid: true, trusted: false });
      expect(r.facts.signature.signer?.subject).toBe("CN=localhost");
      expect(r.notes.map((n) => n.code)).toContain("METADATA_SIGNER_NOT_TRUSTED");
    });

    it("reports a pinned signer as trusted", () => {
      const r = judge(sign(idp()), { trustedCertificates: [TEST_CERT_PEM] });
      expect(r.facts.signature.trusted).toBe(true);
      expect(r.notes.map((n) => n.code)).not.toContain("METADATA_SIGNER_NOT_TRUSTED");
    });

    it("refuses metadata changed after signing", () => {
      const tampered = sign(idp()).replace("https://idp.example.com/sso", "https://evil.example.com/sso");
      expect(errorCodes(tampered)).toEqual(["METADATA_SIGNATURE_INVALID"]);
    });

    it("refuses a signature whose reference is not the root (wrapping)", () => {
      const signed = sign(idp());
      const rewired = signed.replace('URI="#_root"', 'URI="#_other"');
      const r = judge(rewired);
      expect(r.errors.map((e) => e.code)).toEqual(["METADATA_SIGNATURE_INVALID"]);
      expect(r.errors[0]!.message).toContain("#_other");
    });

    it("warns about an RSA-SHA1 metadata signature", () => {
      const r = judge(sign(idp(), "http://www.w3.org/2000/09/xmldsig#rsa-sha1"));
      expect(r.facts.signature.valid).toBe(true);
      expect(r.warnings.map((w) => w.code)).toEqual(["METADATA_SIGNATURE_SHA1"]);
    });
  });
});
