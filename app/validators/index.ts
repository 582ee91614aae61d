/**
 * Validators for what customers upload: pure functions, clock and fetcher injected, each
 * returning a ValidationReport. See docs/decisions/006-validation-policy.md.
 */
import { detectKind } from "./document-kind";
import { validateJwks } from "./jwks";
import { validateOidcDiscovery } from "./oidc-discovery";
import { Findings, type DocumentKind, type ValidationReport } from "./report";
import { validateSamlMetadata } from "./saml-metadata";

export * from "./report";
export { detectKind } from "./document-kind";
export { validateJwks } from "./jwks";
export { validateOidcDiscovery, discoveryUrlFor, issuerFromDiscoveryUrl } from "./oidc-discovery";
export { validateSamlMetadata } from "./saml-metadata";
export { FetchRefused, validateOidcProvider, validateSamlMetadataUrl } from "./remote";
export type { DocumentFetcher, FetchConditions, FetchedDocument } from "./remote";
export { MAX_DOCUMENT_BYTES, screenXml } from "./xml-safety";

export interface DocumentOptions {
  now: Date;
  kind?: DocumentKind;
  /** A file name or URL, used only to guess the kind of an empty document. */
  nameHint?: string;
  entityId?: string;
  localMode?: boolean;
  trustedCertificates?: string[];
}

/** Judges a document already in hand (a file, an upload): no fetching. */
export function validateDocument(input: Uint8Array | string, opts: DocumentOptions): ValidationReport {
  const kind = opts.kind ?? detectKind(input, opts.nameHint);
  const common = { now: opts.now, ...(opts.localMode ? { localMode: true } : {}) };
  switch (kind) {
    case "saml-metadata":
      return validateSamlMetadata(input, {
        ...common,
        ...(opts.entityId !== undefined ? { entityId: opts.entityId } : {}),
        ...(opts.trustedCertificates ? { trustedCertificates: opts.trustedCertificates } : {}),
      });
    case "oidc-discovery":
      return validateOidcDiscovery(input, common);
    case "jwks":
      return validateJwks(input, common);
    default: {
      const findings = new Findings();
      findings.error(
        "DOCUMENT_KIND_UNKNOWN",
        "The document is neither XML (SAML metadata) nor JSON (an OpenID Connect discovery document or a key set).",
        "Upload the SAML metadata XML or the OIDC discovery JSON of your identity provider, or name the kind with --kind.",
      );
      return { kind: "unknown", ...findings.base(), facts: {}, options: null };
    }
  }
}
