import { createHash, createSign, randomBytes } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import type { TenantContext } from "../context.js";
import { HTTP_POST, parseCertificate } from "../management/saml-metadata.js";
import type { TenantConnection } from "../store.js";
import type { CertifiedKey } from "../x509.js";

/**
 * The tenant as a SAML service provider for `samlp` connections, as Auth0 does it:
 * AuthnRequests (HTTP-Redirect or HTTP-POST, signed when `signSAMLRequest`), SP metadata, and a
 * strict check of the SAMLResponse posted to `/login/callback`. The checks and their wording
 * follow Auth0's own SAML library where it is known ("Invalid thumbprint (configured: …)",
 * "assertion has expired.", "Audience is invalid. Configured: …", 5 minutes of clock skew).
 * Only what a signature covers is read: after xml-crypto verifies a signature, the assertion is
 * taken from the signed reference it returns, never from the original document (no signature
 * wrapping).
 */

export const NS = {
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
  saml: "urn:oasis:names:tc:SAML:2.0:assertion",
  md: "urn:oasis:names:tc:SAML:2.0:metadata",
  ds: "http://www.w3.org/2000/09/xmldsig#",
};
const SIG_ALGS = {
  "rsa-sha256": { uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", node: "RSA-SHA256" },
  "rsa-sha1": { uri: "http://www.w3.org/2000/09/xmldsig#rsa-sha1", node: "RSA-SHA1" },
};
const DIGESTS = { sha256: "http://www.w3.org/2001/04/xmlenc#sha256", sha1: "http://www.w3.org/2000/09/xmldsig#sha1" };
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A refused SAML response; `error` is what the application's callback gets (Auth0: see README). */
export class SamlError extends Error {
  constructor(
    message: string,
    readonly error: "access_denied" | "invalid_request" = "access_denied",
  ) {
    super(message);
  }
}

/**
 * Auth0's SAML library (passport-wsfed-saml2 `samlp.js`, ErrorMessages): the text for a
 * non-Success status without a StatusMessage — the sub-code's when it has one, else the
 * top-level code's; sub-codes it does not know fall back to the top-level code's text.
 */
const STATUS_TEXTS: Record<string, string> = {
  Requester: "The request could not be performed due to an error on the part of the requester",
  Responder: "The request could not be performed due to an error on the part of the SAML responder or SAML authority",
  AuthnFailed: "The responding provider was unable to successfully authenticate the principal",
  VersionMismatch:
    "The SAML responder could not process the request because the version of the request message was incorrect.",
};
const statusName = (uri: string) => uri.slice(uri.lastIndexOf(":") + 1);

function statusError(response: Element, topCode: string): SamlError {
  const message = firstNS(response, NS.samlp, "StatusMessage")?.textContent?.trim();
  if (message) return new SamlError(message);
  const codes = Array.from(response.getElementsByTagNameNS(NS.samlp, "StatusCode")).map((c) =>
    statusName(c.getAttribute("Value") ?? ""),
  );
  const sub = codes[1];
  return new SamlError((sub && STATUS_TEXTS[sub]) ?? STATUS_TEXTS[statusName(topCode)] ?? "Authentication Failed");
}

const escAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

export interface SamlOptions {
  signInEndpoint?: string;
  signingCert?: string;
  signSAMLRequest?: boolean;
  protocolBinding?: string;
  signatureAlgorithm?: "rsa-sha256" | "rsa-sha1";
  digestAlgorithm?: "sha256" | "sha1";
  fieldsMap?: Record<string, string | string[]>;
  entityId?: string;
  deflate?: boolean;
}

export const samlOptions = (c: TenantConnection) => c.options as SamlOptions;
export const spEntityId = (ctx: TenantContext, c: TenantConnection) =>
  samlOptions(c).entityId || `urn:auth0:${ctx.store.state.tenant}:${c.name}`;
export const acsUrl = (ctx: TenantContext, c: TenantConnection) =>
  `${ctx.baseUrl}/login/callback?connection=${encodeURIComponent(c.name)}`;

function pemBody(certPem: string): string {
  return certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

export function authnRequestXml(ctx: TenantContext, c: TenantConnection, id: string): string {
  const opts = samlOptions(c);
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${id}" Version="2.0"` +
    ` IssueInstant="${ctx.now().toISOString()}" ProtocolBinding="${HTTP_POST}"` +
    ` AssertionConsumerServiceURL="${escAttr(acsUrl(ctx, c))}" Destination="${escAttr(opts.signInEndpoint ?? "")}">` +
    `<saml:Issuer>${escAttr(spEntityId(ctx, c))}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`
  );
}

export function newRequestId(): string {
  return `_${randomBytes(20).toString("hex")}`;
}

/** HTTP-Redirect binding: the URL to send the browser to (query signature when signing). */
export function redirectBindingUrl(c: TenantConnection, xml: string, relayState: string, key?: CertifiedKey): string {
  const opts = samlOptions(c);
  const payload = opts.deflate === false ? Buffer.from(xml) : deflateRawSync(Buffer.from(xml));
  let query = `SAMLRequest=${encodeURIComponent(payload.toString("base64"))}&RelayState=${encodeURIComponent(relayState)}`;
  if (key) {
    const alg = SIG_ALGS[opts.signatureAlgorithm ?? "rsa-sha256"] ?? SIG_ALGS["rsa-sha256"];
    query += `&SigAlg=${encodeURIComponent(alg.uri)}`;
    const signature = createSign(alg.node).update(query).sign(key.privateKey).toString("base64");
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  const endpoint = new URL(opts.signInEndpoint!);
  return `${endpoint.href}${endpoint.search ? "&" : "?"}${query}`;
}

/** HTTP-POST binding: the (optionally enveloped-signed) request, base64. */
export function postBindingRequest(c: TenantConnection, xml: string, key?: CertifiedKey): string {
  if (!key) return Buffer.from(xml).toString("base64");
  const opts = samlOptions(c);
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certPem,
    signatureAlgorithm: (SIG_ALGS[opts.signatureAlgorithm ?? "rsa-sha256"] ?? SIG_ALGS["rsa-sha256"]).uri,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({
    xpath: "/*[local-name(.)='AuthnRequest']",
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: DIGESTS[opts.digestAlgorithm ?? "sha256"] ?? DIGESTS.sha256,
  });
  sig.computeSignature(xml, {
    location: { reference: "/*[local-name(.)='AuthnRequest']/*[local-name(.)='Issuer']", action: "after" },
  });
  return Buffer.from(sig.getSignedXml()).toString("base64");
}

export function spMetadataXml(ctx: TenantContext, c: TenantConnection, key: CertifiedKey): string {
  const cert = pemBody(key.certPem);
  const keyDescriptor = (use: string) =>
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${NS.md}" entityID="${escAttr(spEntityId(ctx, c))}">
  <md:SPSSODescriptor protocolSupportEnumeration="${NS.samlp}" AuthnRequestsSigned="${samlOptions(c).signSAMLRequest ? "true" : "false"}" WantAssertionsSigned="true">
    ${keyDescriptor("signing")}
    ${keyDescriptor("encryption")}
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escAttr(`${ctx.baseUrl}/logout`)}"/>
    <md:SingleLogoutService Binding="${HTTP_POST}" Location="${escAttr(`${ctx.baseUrl}/logout`)}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:AssertionConsumerService Binding="${HTTP_POST}" Location="${escAttr(acsUrl(ctx, c))}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

function parse(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml)) throw new SamlError("SAML response rejected: DOCTYPE is not allowed");
  const errors: string[] = [];
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") errors.push(msg);
      },
    }).parseFromString(xml, "text/xml");
  } catch {
    throw new SamlError("SAML response rejected: not well-formed XML");
  }
  if (errors.length || !doc.documentElement) throw new SamlError("SAML response rejected: not well-formed XML");
  return doc;
}

const childrenNS = (parent: Element, ns: string, local: string): Element[] =>
  Array.from(parent.childNodes).filter(
    (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local,
  );
const firstNS = (parent: Element, ns: string, local: string) =>
  Array.from(parent.getElementsByTagNameNS(ns, local))[0] as Element | undefined;

export interface SamlProfile {
  nameId: string;
  /** Attribute name → values (one or more). */
  attributes: Record<string, string[]>;
  issuer?: string;
}

export interface VerifyOptions {
  ctx: TenantContext;
  connection: TenantConnection;
  /** ID of the AuthnRequest this response must answer. */
  requestId: string;
}

/** Verifies a base64 SAMLResponse for `connection`; throws SamlError with the reason. */
export function verifySamlResponse(samlResponse: string, v: VerifyOptions): SamlProfile {
  const xml = Buffer.from(samlResponse, "base64").toString("utf8");
  const doc = parse(xml);
  const response = doc.documentElement!;
  if (response.namespaceURI !== NS.samlp || response.localName !== "Response") {
    throw new SamlError("SAML response rejected: the document is not a samlp:Response");
  }
  const status = firstNS(response, NS.samlp, "StatusCode")?.getAttribute("Value") ?? "";
  if (!status.endsWith(":Success")) throw statusError(response, status);
  if (response.getElementsByTagNameNS(NS.saml, "EncryptedAssertion").length) {
    throw new SamlError("Encrypted assertions are not supported by the local tenant");
  }
  const opts = samlOptions(v.connection);
  if (!opts.signingCert) throw new SamlError("The connection has no signingCert to verify the SAML response with");
  let signing: ReturnType<typeof parseCertificate>;
  try {
    signing = parseCertificate(opts.signingCert);
  } catch {
    throw new SamlError("The signing certificate is invalid (the connection's signingCert cannot be read)");
  }
  const configuredThumbprint = createHash("sha1").update(signing.der).digest("hex").toUpperCase();
  const certPem = signing.cert.toString();

  // Signatures directly under the Response or its (single) Assertion; the assertion's wins.
  const assertionsInDoc = childrenNS(response, NS.saml, "Assertion");
  if (assertionsInDoc.length !== 1) throw new SamlError("SAML response rejected: expected exactly one assertion");
  const signatures = [
    ...childrenNS(assertionsInDoc[0]!, NS.ds, "Signature"),
    ...childrenNS(response, NS.ds, "Signature"),
  ];
  if (!signatures.length) throw new SamlError("neither the response nor the assertion are signed");
  const signature = signatures[0]!;

  const embedded = firstNS(signature, NS.ds, "X509Certificate")?.textContent?.replace(/\s+/g, "");
  if (embedded) {
    const calculated = createHash("sha1").update(Buffer.from(embedded, "base64")).digest("hex").toUpperCase();
    if (calculated !== configuredThumbprint) {
      throw new SamlError(`Invalid thumbprint (configured: ${configuredThumbprint}. calculated: ${calculated})`);
    }
  }
  const sig = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  sig.loadSignature(signature as unknown as Node);
  let valid = false;
  try {
    valid = sig.checkSignature(xml);
  } catch (err) {
    throw new SamlError(`Signature check errors: ${(err as Error).message}`);
  }
  if (!valid) throw new SamlError("Signature check errors: invalid signature");
  const signedXml = sig.getSignedReferences()[0];
  if (!signedXml) throw new SamlError("Signature check errors: the signature covers nothing");
  const signedRoot = parse(signedXml).documentElement!;
  let assertion: Element;
  let signedResponse: Element | undefined;
  if (signedRoot.namespaceURI === NS.saml && signedRoot.localName === "Assertion") {
    assertion = signedRoot;
  } else if (signedRoot.namespaceURI === NS.samlp && signedRoot.localName === "Response") {
    signedResponse = signedRoot;
    const inner = childrenNS(signedRoot, NS.saml, "Assertion");
    if (inner.length !== 1) throw new SamlError("SAML response rejected: expected exactly one assertion");
    assertion = inner[0]!;
  } else {
    throw new SamlError("Signature check errors: the signature covers neither the response nor the assertion");
  }

  const now = v.ctx.now().getTime();
  const acs = acsUrl(v.ctx, v.connection);
  const acsAccepted = [acs, `${v.ctx.baseUrl}/login/callback`];
  const responseEl = signedResponse ?? response;

  const destination = responseEl.getAttribute("Destination");
  if (destination && !acsAccepted.includes(destination)) {
    throw new SamlError(`Destination endpoint ${destination} did not match ${acs}`);
  }
  const inResponseTo = responseEl.getAttribute("InResponseTo");
  if (inResponseTo && inResponseTo !== v.requestId) {
    throw new SamlError("InResponseTo is invalid: the response does not answer this login's request");
  }

  const conditions = firstNS(assertion, NS.saml, "Conditions");
  if (conditions) {
    const notBefore = conditions.getAttribute("NotBefore");
    const notOnOrAfter = conditions.getAttribute("NotOnOrAfter");
    if (
      (notBefore && now < Date.parse(notBefore) - CLOCK_SKEW_MS) ||
      (notOnOrAfter && now >= Date.parse(notOnOrAfter) + CLOCK_SKEW_MS)
    ) {
      throw new SamlError("assertion has expired.");
    }
  }
  const audiences = conditions
    ? Array.from(conditions.getElementsByTagNameNS(NS.saml, "Audience")).map((a) => (a.textContent ?? "").trim())
    : [];
  const expectedAudience = spEntityId(v.ctx, v.connection);
  if (!audiences.includes(expectedAudience)) {
    throw new SamlError(`Audience is invalid. Configured: ${expectedAudience}`);
  }

  const subject = firstNS(assertion, NS.saml, "Subject");
  const nameId = subject ? firstNS(subject, NS.saml, "NameID")?.textContent?.trim() : undefined;
  if (!nameId) throw new SamlError("SAML response rejected: the assertion has no NameID");
  for (const data of subject ? Array.from(subject.getElementsByTagNameNS(NS.saml, "SubjectConfirmationData")) : []) {
    const recipient = data.getAttribute("Recipient");
    if (recipient && !acsAccepted.includes(recipient)) throw new SamlError(`Recipient is invalid. Configured: ${acs}`);
    const irt = data.getAttribute("InResponseTo");
    if (irt && irt !== v.requestId) {
      throw new SamlError("InResponseTo is invalid: the response does not answer this login's request");
    }
    const until = data.getAttribute("NotOnOrAfter");
    if (until && now >= Date.parse(until) + CLOCK_SKEW_MS) throw new SamlError("assertion has expired.");
  }
  // The binding to this login's AuthnRequest must be covered by the signature: the signed
  // Response's InResponseTo, or the signed assertion's SubjectConfirmationData (an unsigned
  // Response around a signed assertion could claim anything).
  const signedIrt = [
    signedResponse?.getAttribute("InResponseTo"),
    ...Array.from(subject?.getElementsByTagNameNS(NS.saml, "SubjectConfirmationData") ?? []).map((d) =>
      d.getAttribute("InResponseTo"),
    ),
  ].filter(Boolean);
  if (!signedIrt.length) {
    // Auth0 treats a response that answers no request as IdP-initiated (docs: saml-errors).
    throw new SamlError(`IdP-Initiated login is not enabled for connection '${v.connection.name}'.`, "invalid_request");
  }

  const attributes: Record<string, string[]> = {};
  for (const attr of Array.from(assertion.getElementsByTagNameNS(NS.saml, "Attribute"))) {
    const name = attr.getAttribute("Name");
    if (!name) continue;
    const values = Array.from(attr.getElementsByTagNameNS(NS.saml, "AttributeValue")).map((x) => x.textContent ?? "");
    attributes[name] = [...(attributes[name] ?? []), ...values];
  }
  const issuer = firstNS(assertion, NS.saml, "Issuer")?.textContent?.trim();
  return { nameId, attributes, issuer };
}

/** Auth0's default samlp mappings; `fieldsMap` entries are merged over them (arrays = fallbacks). */
export const DEFAULT_FIELDS_MAP: Record<string, string[]> = {
  email: ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "email", "mail"],
  name: ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "name", "displayName"],
  given_name: ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "given_name", "givenName"],
  family_name: ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "family_name", "surname", "sn"],
  groups: ["http://schemas.xmlsoap.org/claims/Group", "groups"],
};

export interface MappedProfile {
  email?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  groups?: string[];
  /** Every mapped field and every raw attribute (Auth0 keeps raw attributes on the profile). */
  all: Record<string, string | string[]>;
}

export function mapSamlProfile(profile: SamlProfile, fieldsMap: SamlOptions["fieldsMap"] = {}): MappedProfile {
  const all: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(profile.attributes)) all[k] = v.length === 1 ? v[0]! : v;
  const map: Record<string, string[]> = { ...DEFAULT_FIELDS_MAP };
  for (const [field, source] of Object.entries(fieldsMap ?? {})) {
    map[field] = Array.isArray(source) ? source.map(String) : [String(source)];
  }
  for (const [field, sources] of Object.entries(map)) {
    const hit = sources.find((s) => profile.attributes[s]?.length);
    if (hit) {
      const values = profile.attributes[hit]!;
      all[field] = field === "groups" || values.length > 1 ? values : values[0]!;
    }
  }
  const str = (k: string) => {
    const v = all[k];
    return typeof v === "string" ? v : Array.isArray(v) ? v[0] : undefined;
  };
  const groups = all.groups === undefined ? undefined : ([] as string[]).concat(all.groups);
  return {
    email: str("email"),
    name: str("name"),
    given_name: str("given_name"),
    family_name: str("family_name"),
    groups,
    all,
  };
}
