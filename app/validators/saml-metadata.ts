import { auth0SigningCert, describeCertificate, isWeakSignatureAlgorithm } from "./certificates";
import { detectProduct } from "./idp-product";
import {
  type CertificateFacts,
  type Endpoint,
  Findings,
  type SamlFacts,
  type SamlpOptions,
  type ValidationReport,
} from "./report";
import { checkEndpointUrl, quote } from "./urls";
import { screenXml } from "./xml-safety";
import { verifyEnvelopedSignature } from "./xml-signature";
import { childrenOf, descendants, firstChild, NS, parseXml, type XmlElement } from "./xml-tree";

export interface SamlMetadataOptions {
  /** The clock: every date-dependent verdict is judged as of this instant. */
  now: Date;
  /** Picks one IdP out of an aggregate (`EntitiesDescriptor`). */
  entityId?: string;
  /** Certificates (base64 DER or PEM) whose signature on the metadata makes it trusted. */
  trustedCertificates?: string[];
  /** Local mode: plain-http endpoints on loopback (the demo IdPs) are not worth a warning. */
  localMode?: boolean;
  /** Certificates expiring within this many days are warned about. */
  expiringSoonDays?: number;
  /**
   * Benchmarks only (to compare with parsers that never verify): `false` skips the signature
   * check and reports the document as signed but unverified. Never turn it off in the portal.
   */
  verifySignature?: boolean;
}

export type SamlReport = Extract<ValidationReport, { kind: "saml-metadata" }>;

export const BINDINGS = {
  redirect: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
  post: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
} as const;
const SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol";
const DAY_MS = 86_400_000;
const MAX_LISTED = 20;

const REFETCH = "Download the metadata again from your identity provider and upload it unchanged.";

function emptyFacts(): SamlFacts {
  return {
    product: "Other SAML 2.0 identity provider",
    ssoServices: [],
    sloServices: [],
    certificates: [],
    nameIdFormats: [],
    signature: { signed: false },
  };
}

function nsLabel(ns: string): string {
  return ns ? `the namespace "${ns.slice(0, 100)}"` : "no namespace";
}

/** xs:dateTime; a value without a zone is UTC (as SAML requires), not the local time JS would pick. */
function parseDateTime(value: string): Date | undefined {
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(v) ? v : `${v}Z`;
  const d = new Date(withZone);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function describeDays(days: number): string {
  if (days === 0) return "today";
  const n = Math.abs(days);
  return days < 0 ? `${n} day${n === 1 ? "" : "s"} ago` : `in ${n} day${n === 1 ? "" : "s"}`;
}

export function validateSamlMetadata(input: Uint8Array | string, opts: SamlMetadataOptions): SamlReport {
  const findings = new Findings();
  const facts = emptyFacts();
  const done = (options: SamlpOptions | null = null): SamlReport => {
    const base = findings.base();
    return { kind: "saml-metadata", ...base, facts, options: base.verdict === "error" ? null : options };
  };

  const screened = screenXml(input);
  if (!screened.ok) {
    findings.error(screened.code, screened.message, screened.fix);
    return done();
  }
  const parsed = parseXml(screened.text);
  if (!parsed.ok) {
    findings.error("XML_MALFORMED", `The document is not well-formed XML: ${parsed.message}.`, REFETCH);
    return done();
  }
  const root = parsed.root;
  const now = opts.now;

  // 1. The root: an EntityDescriptor or EntitiesDescriptor in the SAML metadata namespace.
  const isRoot = root.local === "EntityDescriptor" || root.local === "EntitiesDescriptor";
  if (root.ns !== NS.md || !isRoot) {
    const what =
      root.ns === NS.samlp && root.local === "Response"
        ? "a SAML Response (what an IdP sends at login), not metadata"
        : isRoot
          ? `an <${root.local}> in ${nsLabel(root.ns)}, not in the SAML metadata namespace (${NS.md}), so it is not SAML metadata`
          : `<${root.local.slice(0, 60)}> in ${nsLabel(root.ns)}, not SAML metadata`;
    findings.error(
      "NOT_SAML_METADATA",
      `The document is ${what}.`,
      'Upload your identity provider\'s SAML 2.0 metadata: an XML file whose root is <md:EntityDescriptor> (xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata").',
    );
    return done();
  }

  checkValidity(root, "The metadata", findings, facts, now);

  // 2. Pick the entity: the document itself, or the one IdP of an aggregate.
  let entity: XmlElement | undefined = root;
  if (root.local === "EntitiesDescriptor") {
    const entities = descendants(root, NS.md, "EntityDescriptor");
    const idps = entities.filter((e) => firstChild(e, NS.md, "IDPSSODescriptor"));
    const idpIds = idps.map((e) => e.attrs.entityID ?? "(no entityID)");
    facts.aggregateEntityIds = idpIds.slice(0, 1000);
    const listed = `${idpIds
      .slice(0, MAX_LISTED)
      .map((id) => quote(id))
      .join(", ")}${idpIds.length > MAX_LISTED ? ` and ${idpIds.length - MAX_LISTED} more` : ""}`;
    if (opts.entityId !== undefined) {
      entity = entities.find((e) => e.attrs.entityID === opts.entityId);
      if (!entity) {
        findings.error(
          "ENTITY_NOT_FOUND",
          `The aggregate holds no entity with the ID ${quote(opts.entityId)}. Its identity providers are: ${listed || "none"}.`,
          "Pick one of the listed entity IDs.",
        );
        return done();
      }
      if (!firstChild(entity, NS.md, "IDPSSODescriptor")) {
        findings.error(
          "NO_IDP_DESCRIPTOR",
          `The entity ${quote(opts.entityId)} is not an identity provider (it has no IDPSSODescriptor).`,
          `Pick one of the identity providers: ${listed || "none"}.`,
        );
        return done();
      }
    } else if (idps.length === 1) {
      entity = idps[0]!;
      findings.warn(
        "AGGREGATE_ONE_IDP_SELECTED",
        `The document is an aggregate of ${entities.length} entities (an EntitiesDescriptor); the only identity provider in it, ${quote(idpIds[0]!)}, was selected and the rest ignored.`,
        "Upload the metadata of your identity provider alone if you can, so nothing else is read by mistake.",
      );
    } else if (idps.length === 0) {
      findings.error(
        "NO_IDP_DESCRIPTOR",
        `The aggregate holds ${entities.length} entities but no identity provider (no IDPSSODescriptor).`,
        "Upload your identity provider's metadata, not a service provider's or a federation's.",
      );
      return done();
    } else {
      findings.error(
        "AGGREGATE_SEVERAL_IDPS",
        `The aggregate holds ${idps.length} identity providers: ${listed}. Which one is yours?`,
        "Choose your identity provider's entity ID, or upload its metadata alone.",
      );
      return done();
    }
    checkValidity(entity, "The selected entity", findings, facts, now);
  } else if (opts.entityId !== undefined && root.attrs.entityID !== opts.entityId) {
    findings.error(
      "ENTITY_NOT_FOUND",
      `The metadata is for the entity ${quote(root.attrs.entityID ?? "")}, not ${quote(opts.entityId)}.`,
      "Upload the metadata of the entity you named, or leave the entity ID out.",
    );
    return done();
  }

  const entityId = entity.attrs.entityID;
  if (entityId === undefined || entityId.trim() === "") {
    findings.error(
      "ENTITY_ID_MISSING",
      "The EntityDescriptor has no entityID attribute: nothing identifies the identity provider.",
      REFETCH,
    );
  } else if (entityId.length > 1024) {
    findings.error("ENTITY_ID_TOO_LONG", "The entityID is longer than the 1024 characters SAML allows.", REFETCH);
  } else {
    facts.entityId = entityId;
  }

  // 3. Every endpoint URL in the entity must be http(s): `javascript:` or `data:` in an endpoint
  //    would end up in a browser's address bar or a form's action.
  checkAllLocations(entity, findings);

  // 4. The IdP role supporting SAML 2.0.
  const roles = childrenOf(entity, NS.md, "IDPSSODescriptor");
  const idp = roles.find((r) => (r.attrs.protocolSupportEnumeration ?? "").split(/\s+/).includes(SAML2_PROTOCOL));
  if (!idp) {
    if (roles.length) {
      findings.error(
        "IDP_NO_SAML2",
        "The IDPSSODescriptor does not list SAML 2.0 (urn:oasis:names:tc:SAML:2.0:protocol) in protocolSupportEnumeration.",
        "Enable SAML 2.0 for this application in your identity provider and download its metadata again.",
      );
    } else {
      const sp = childrenOf(entity, NS.md, "SPSSODescriptor").length > 0;
      const foreign =
        descendants(entity, "", "IDPSSODescriptor").length > 0 ||
        entity.children.some((c) => c.local === "IDPSSODescriptor");
      findings.error(
        "NO_IDP_DESCRIPTOR",
        sp
          ? "This is service provider metadata (it has an SPSSODescriptor and no IDPSSODescriptor): it describes an application, not your identity provider."
          : foreign
            ? "The document has an IDPSSODescriptor, but not in the SAML metadata namespace, so it is not a SAML identity provider role."
            : "The metadata has no IDPSSODescriptor: it does not describe an identity provider.",
        "Upload the metadata of your identity provider (often called 'IdP metadata' or 'Federation metadata'), not the metadata of an application.",
      );
    }
    facts.product = detectProduct([entityId], facts.product);
    return done();
  }
  checkValidity(idp, "The IDPSSODescriptor", findings, facts, now);

  // 5. Endpoints.
  facts.ssoServices = endpoints(idp, "SingleSignOnService", findings);
  facts.sloServices = endpoints(idp, "SingleLogoutService", findings);
  const sso = pickEndpoint(facts.ssoServices);
  if (!sso) {
    const found = [
      ...new Set(facts.ssoServices.map((s) => s.binding.replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, ""))),
    ];
    findings.error(
      "SSO_NO_SUPPORTED_BINDING",
      facts.ssoServices.length
        ? `No SingleSignOnService uses the HTTP-Redirect or HTTP-POST binding (found: ${found.slice(0, 10).join(", ")}).`
        : "The IdP lists no SingleSignOnService: there is nowhere to send users to sign in.",
      "Enable the HTTP-Redirect or HTTP-POST binding for this application in your identity provider and download its metadata again.",
    );
  }
  const slo = pickEndpoint(facts.sloServices);
  for (const e of [...(sso ? [sso] : []), ...(slo ? [slo] : [])]) {
    const check = checkEndpointUrl(e.location);
    if (check.ok && check.plainHttp && !(opts.localMode && check.loopback)) {
      findings.warn(
        "ENDPOINT_PLAIN_HTTP",
        `The endpoint ${quote(e.location)} uses plain http: sign-in traffic would not be encrypted.`,
        "Serve your identity provider over https and download its metadata again.",
      );
    }
  }

  // 6. Signing certificates: all kept, duplicates dropped.
  facts.certificates = certificates(idp, findings, now);
  const signing = facts.certificates.filter((c) => c.use !== "encryption");
  if (signing.length === 0) {
    findings.error(
      "NO_SIGNING_CERTIFICATE",
      'The IdP publishes no usable signing certificate (a KeyDescriptor with use="signing" or no use, holding an X509Certificate): its logins could not be verified.',
      "Make sure a signing certificate is active for this application in your identity provider and download its metadata again.",
    );
  } else {
    certificateWarnings(signing, findings, opts.expiringSoonDays ?? 30);
    if (signing.length > 1) {
      const anyValid = signing.some((c) => !c.expired && c.daysLeft >= 0);
      findings.note(
        "CERT_SEVERAL",
        anyValid
          ? `The IdP publishes ${signing.length} signing certificates (key rotation); all are reported. The one sent to Auth0 is the valid one that expires last.`
          : `The IdP publishes ${signing.length} signing certificates (key rotation); all are reported. None of them is valid any more: all ${signing.length} have expired, so the first one listed would be sent to Auth0 and logins signed with it may be refused. Rotate the signing certificate in your identity provider and upload its new metadata.`,
      );
    }
  }

  // 7. The rest of the facts.
  const want = idp.attrs.WantAuthnRequestsSigned;
  facts.wantAuthnRequestsSigned = want === "true" || want === "1";
  if (facts.wantAuthnRequestsSigned) {
    findings.note(
      "SIGNED_REQUESTS_REQUIRED",
      "The IdP wants signed authentication requests (WantAuthnRequestsSigned): request signing will be turned on.",
    );
  }
  facts.nameIdFormats = [
    ...new Set(
      childrenOf(idp, NS.md, "NameIDFormat")
        .map((n) => n.text.trim())
        .filter(Boolean),
    ),
  ];

  // 8. A signed document is verified; a signature only counts when it covers the root.
  if (firstChild(root, NS.ds, "Signature")) {
    if (opts.verifySignature === false) facts.signature = { signed: true };
    else checkSignature(screened.text, opts.trustedCertificates ?? [], findings, facts, now);
  }

  facts.product = detectProduct(
    [entityId, ...facts.ssoServices.map((s) => s.location), ...facts.sloServices.map((s) => s.location)],
    facts.product,
  );

  if (!sso) return done();
  const chosen = chooseSigningCertificate(signing);
  const options: SamlpOptions = {
    signInEndpoint: sso.location,
    ...(slo ? { signOutEndpoint: slo.location } : {}),
    ...(chosen ? { signingCert: auth0SigningCert(chosen.base64) } : {}),
    protocolBinding: sso.binding,
    signatureAlgorithm: "rsa-sha256",
    digestAlgorithm: "sha256",
    signSAMLRequest: facts.wantAuthnRequestsSigned,
  };
  return done(options);
}

function checkValidity(el: XmlElement, label: string, findings: Findings, facts: SamlFacts, now: Date): void {
  const validUntil = el.attrs.validUntil;
  if (validUntil !== undefined) {
    const date = parseDateTime(validUntil);
    if (!date) {
      findings.warn(
        "VALID_UNTIL_INVALID",
        `${label} has a validUntil that is not a date: ${quote(validUntil)}.`,
        REFETCH,
      );
    } else {
      if (!facts.validUntil || date.toISOString() < facts.validUntil) facts.validUntil = date.toISOString();
      const days = Math.floor((date.getTime() - now.getTime()) / DAY_MS);
      if (date.getTime() < now.getTime()) {
        findings.error(
          "METADATA_EXPIRED",
          `${label} expired on ${date.toISOString().slice(0, 10)} (validUntil, ${describeDays(days)}): it must not be used any more.`,
          "Download current metadata from your identity provider.",
        );
      } else if (days < 7) {
        findings.warn(
          "METADATA_EXPIRING_SOON",
          `${label} expires ${describeDays(days)} (validUntil ${date.toISOString()}).`,
          "Download fresh metadata from your identity provider shortly before that date, or use a metadata URL.",
        );
      }
    }
  }
  if (el.attrs.cacheDuration !== undefined && !facts.cacheDuration) facts.cacheDuration = el.attrs.cacheDuration.trim();
}

function checkAllLocations(entity: XmlElement, findings: Findings): void {
  const stack = [entity];
  let reported = 0;
  while (stack.length) {
    const el = stack.pop()!;
    if (el.ns === NS.md) {
      for (const attr of ["Location", "ResponseLocation"]) {
        const value = el.attrs[attr];
        if (value === undefined) continue;
        const check = checkEndpointUrl(value);
        if (!check.ok && reported++ < 10) {
          findings.error(
            "ENDPOINT_URL_INVALID",
            `The ${el.local} ${attr} ${quote(value)} ${check.reason}.`,
            "Every endpoint must be an absolute https URL. Download the metadata again from your identity provider; if it still says this, the file was tampered with.",
          );
        }
      }
    }
    stack.push(...el.children);
  }
}

function endpoints(idp: XmlElement, local: string, findings: Findings): Endpoint[] {
  const out: Endpoint[] = [];
  for (const el of childrenOf(idp, NS.md, local)) {
    const binding = (el.attrs.Binding ?? "").trim();
    const location = (el.attrs.Location ?? "").trim();
    if (!location) continue;
    if (out.some((e) => e.binding === binding && e.location === location)) {
      findings.note(
        "ENDPOINT_DUPLICATE",
        `The ${local} ${quote(location)} is listed twice with the same binding; it is kept once.`,
      );
      continue;
    }
    out.push({ binding, location });
  }
  return out;
}

/** HTTP-Redirect first (Auth0's default request binding), then HTTP-POST; with a URL we accept. */
function pickEndpoint(list: Endpoint[]): Endpoint | undefined {
  for (const binding of [BINDINGS.redirect, BINDINGS.post]) {
    const found = list.find((e) => e.binding === binding && checkEndpointUrl(e.location).ok);
    if (found) return found;
  }
  return undefined;
}

function certificates(idp: XmlElement, findings: Findings, now: Date): CertificateFacts[] {
  const out: CertificateFacts[] = [];
  for (const kd of childrenOf(idp, NS.md, "KeyDescriptor")) {
    const useAttr = (kd.attrs.use ?? "").trim();
    const use: CertificateFacts["use"] =
      useAttr === "signing" ? "signing" : useAttr === "encryption" ? "encryption" : "signing-and-encryption";
    const keyInfo = firstChild(kd, NS.ds, "KeyInfo");
    if (!keyInfo) {
      if (kd.children.some((c) => c.local === "KeyInfo")) {
        findings.note(
          "KEYINFO_WRONG_NAMESPACE",
          `A KeyDescriptor's KeyInfo is not in the XML Signature namespace (${NS.ds}); it was ignored.`,
        );
      }
      continue;
    }
    for (const data of childrenOf(keyInfo, NS.ds, "X509Data")) {
      for (const certEl of childrenOf(data, NS.ds, "X509Certificate")) {
        const result = describeCertificate(certEl.text, use, now);
        if (!result.ok) {
          const fn = use === "encryption" ? findings.note.bind(findings) : findings.warn.bind(findings);
          fn("CERT_UNREADABLE", `A ${use} certificate could not be read: ${result.reason}; it was skipped.`, REFETCH);
          continue;
        }
        const dup = out.find((c) => c.fingerprintSha256 === result.facts.fingerprintSha256);
        if (dup) {
          if (dup.use !== result.facts.use && dup.use !== "signing-and-encryption") {
            if (use !== "encryption") dup.use = dup.use === "encryption" ? "signing-and-encryption" : dup.use;
          } else {
            findings.note(
              "CERT_DUPLICATE",
              `The certificate ${dup.subject} is listed more than once; it is kept once.`,
            );
          }
          continue;
        }
        out.push(result.facts);
      }
    }
  }
  return out;
}

function certificateWarnings(signing: CertificateFacts[], findings: Findings, soonDays: number): void {
  for (const c of signing) {
    const name = `The signing certificate "${c.subject.slice(0, 120)}" (SHA-256 ${c.fingerprintSha256.slice(0, 23)}…)`;
    if (c.expired) {
      findings.warn(
        "CERT_EXPIRED",
        `${name} expired on ${c.notAfter.slice(0, 10)} (${describeDays(c.daysLeft)}).`,
        "Rotate the signing certificate in your identity provider and upload its new metadata; Auth0 may refuse logins signed with an expired certificate.",
      );
    } else if (c.daysLeft < soonDays) {
      findings.warn(
        "CERT_EXPIRING_SOON",
        `${name} expires on ${c.notAfter.slice(0, 10)} (${describeDays(c.daysLeft)}).`,
        "Plan the rotation now: add the new certificate in your identity provider and upload its metadata before this date.",
      );
    }
    if (c.keyType === "RSA" && c.keySize !== undefined && c.keySize < 2048) {
      findings.warn(
        "CERT_WEAK_KEY",
        `${name} has a ${c.keySize}-bit RSA key; 2048 bits is the minimum considered safe.`,
        "Generate a new signing certificate with a 2048-bit (or larger) RSA key in your identity provider.",
      );
    }
    if (isWeakSignatureAlgorithm(c.signatureAlgorithm)) {
      findings.warn(
        "CERT_SHA1",
        `${name} is signed with ${c.signatureAlgorithm}, a broken hash algorithm.`,
        "Generate a new signing certificate signed with SHA-256 in your identity provider.",
      );
    }
  }
}

/** The currently valid certificate that expires last; otherwise the first listed. */
function chooseSigningCertificate(signing: CertificateFacts[]): CertificateFacts | undefined {
  const valid = signing.filter((c) => !c.expired && c.daysLeft >= 0);
  return valid.sort((a, b) => b.notAfter.localeCompare(a.notAfter))[0] ?? signing[0];
}

function checkSignature(text: string, trusted: string[], findings: Findings, facts: SamlFacts, now: Date): void {
  const check = verifyEnvelopedSignature(text, trusted);
  facts.signature = {
    signed: check.signed,
    ...(check.valid !== undefined ? { valid: check.valid } : {}),
    ...(check.algorithm ? { algorithm: check.algorithm } : {}),
    ...(check.digestAlgorithm ? { digestAlgorithm: check.digestAlgorithm } : {}),
  };
  if (!check.signed) return;
  if (!check.valid) {
    findings.error(
      "METADATA_SIGNATURE_INVALID",
      `The metadata is signed but the signature does not verify: ${check.reason}.`,
      "Download the metadata again and upload it byte for byte: any edit, even of whitespace, breaks the signature.",
    );
    return;
  }
  const signer = check.signerBase64 ? describeCertificate(check.signerBase64, "metadata-signature", now) : undefined;
  if (signer?.ok) facts.signature.signer = signer.facts;
  const trustedPrints = trusted.map((t) => describeCertificate(t, "metadata-signature", now)).filter((r) => r.ok);
  const isTrusted =
    signer?.ok === true &&
    trustedPrints.some((t) => t.ok && t.facts.fingerprintSha256 === signer.facts.fingerprintSha256);
  facts.signature.trusted = isTrusted;
  if (!isTrusted) {
    findings.note(
      "METADATA_SIGNER_NOT_TRUSTED",
      "The signature is valid, but it was made with the certificate the document carries itself, which no one has vouched for: it proves the file is intact, not who published it.",
    );
  }
  if (check.algorithm && /sha1|md5/i.test(check.algorithm)) {
    findings.warn(
      "METADATA_SIGNATURE_SHA1",
      `The metadata is signed with ${check.algorithm.replace(/^.*#/, "")}, a broken hash algorithm.`,
      "Configure your identity provider to sign its metadata with RSA-SHA256.",
    );
  }
}
