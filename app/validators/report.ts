/**
 * The one shape every validator returns. `errors` block a change, `warnings` allow it with a
 * notice the admin must read, `notes` are information (what was skipped and why). Codes are stable:
 * the UI, the tests and support tooling key on them; messages and fixes are for people.
 */
export type Verdict = "ok" | "warn" | "error";
export type DocumentKind = "saml-metadata" | "oidc-discovery" | "jwks";

export interface Finding {
  code: string;
  message: string;
  fix: string;
}

export interface CertificateFacts {
  /** Where the certificate came from (`KeyDescriptor use`, a JWK's `x5c`, a Signature's KeyInfo). */
  use: "signing" | "encryption" | "signing-and-encryption" | "metadata-signature" | "jwk";
  subject: string;
  issuer: string;
  selfSigned: boolean;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  expired: boolean;
  keyType: string;
  keySize?: number;
  curve?: string;
  signatureAlgorithm: string;
  fingerprintSha256: string;
  fingerprintSha1: string;
  /** The DER certificate, base64 without whitespace (what metadata and `x5c` carry). */
  base64: string;
}

export interface Endpoint {
  binding: string;
  location: string;
}

export interface MetadataSignatureFacts {
  signed: boolean;
  valid?: boolean;
  trusted?: boolean;
  algorithm?: string;
  digestAlgorithm?: string;
  signer?: CertificateFacts;
}

export interface SamlFacts {
  product: string;
  entityId?: string;
  /** The IdP entity IDs an aggregate (`EntitiesDescriptor`) holds. */
  aggregateEntityIds?: string[];
  ssoServices: Endpoint[];
  sloServices: Endpoint[];
  certificates: CertificateFacts[];
  wantAuthnRequestsSigned?: boolean;
  nameIdFormats: string[];
  validUntil?: string;
  cacheDuration?: string;
  signature: MetadataSignatureFacts;
}

export interface OidcFacts {
  product: string;
  issuer?: string;
  discoveryUrl?: string;
  endpoints: {
    authorization?: string;
    token?: string;
    userinfo?: string;
    jwks?: string;
    endSession?: string;
  };
  pkce: { supported: boolean; methods: string[] };
  idTokenSigningAlgorithms: string[];
  responseTypes: string[];
  scopes: string[];
  tokenEndpointAuthMethods: string[];
  jwks?: JwksFacts;
}

export interface JwkFacts {
  kid?: string;
  kty?: string;
  alg?: string;
  use?: string;
  usable: boolean;
  keySize?: number;
  curve?: string;
  note?: string;
  certificate?: CertificateFacts;
}

export interface JwksFacts {
  keys: JwkFacts[];
  usableSigningKeys: number;
}

export interface SamlpOptions {
  signInEndpoint: string;
  signOutEndpoint?: string;
  /** Base64 of the PEM file, as the Management API asks (`cat signing-cert.crt | base64`). */
  signingCert?: string;
  protocolBinding: string;
  signatureAlgorithm: "rsa-sha256";
  digestAlgorithm: "sha256";
  signSAMLRequest: boolean;
}

export interface OidcOptions {
  type: "back_channel";
  discovery_url?: string;
  issuer: string;
  client_id?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  jwks_uri: string;
  scope: string;
}

export type ValidationReport =
  | (ReportBase & { kind: "saml-metadata"; facts: SamlFacts; options: SamlpOptions | null })
  | (ReportBase & { kind: "oidc-discovery"; facts: OidcFacts; options: OidcOptions | null })
  | (ReportBase & { kind: "jwks"; facts: JwksFacts; options: null })
  | (ReportBase & { kind: "unknown"; facts: Record<string, never>; options: null });

export interface ReportBase {
  verdict: Verdict;
  errors: Finding[];
  warnings: Finding[];
  notes: Finding[];
}

/** Collects findings; the verdict is derived, never set by hand. */
export class Findings {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  readonly notes: Finding[] = [];

  error(code: string, message: string, fix: string): void {
    this.errors.push({ code, message, fix });
  }
  warn(code: string, message: string, fix: string): void {
    if (!this.warnings.some((w) => w.code === code && w.message === message))
      this.warnings.push({ code, message, fix });
  }
  note(code: string, message: string, fix = ""): void {
    this.notes.push({ code, message, fix });
  }
  get verdict(): Verdict {
    return this.errors.length ? "error" : this.warnings.length ? "warn" : "ok";
  }
  base(): ReportBase {
    return { verdict: this.verdict, errors: this.errors, warnings: this.warnings, notes: this.notes };
  }
}

export function hasCode(report: ReportBase, code: string): boolean {
  return [...report.errors, ...report.warnings, ...report.notes].some((f) => f.code === code);
}
