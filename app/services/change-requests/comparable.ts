import { createHash } from "node:crypto";
import type { ValidationReport } from "~/validators/report";
import type { ConnectionConfiguration } from "../connections/configuration";
import { MAPPED_FIELD_LABEL, MAPPED_FIELDS } from "../connections/identity-providers";

/**
 * What a reviewer compares between two configurations of one connection: the fields that change
 * who can sign in and how. Pure data, derived from a normalized configuration (or straight from a
 * validation report); never holds a secret — only whether one was changed.
 */
export interface ComparableCertificate {
  fingerprintSha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
}

export interface ComparableConnection {
  protocol: "saml" | "oidc";
  entityId?: string;
  signInUrl?: string;
  signOutUrl?: string;
  /** SAML single sign-on bindings the IdP offers (URIs). */
  bindings: string[];
  certificates: ComparableCertificate[];
  issuer?: string;
  discoveryUrl?: string;
  /** OIDC endpoints beside the authorization endpoint (signInUrl): a change to any needs a new version. */
  tokenUrl?: string;
  userinfoUrl?: string;
  jwksUrl?: string;
  clientId?: string;
  /** Portal attribute → IdP claim or attribute name. */
  attributeMapping: Record<string, string>;
  /** Which sealed client secret (a digest of the sealed envelope, never of the secret): tells "secret changed". */
  secretRef?: string;
}

/** The comparable view of a SAML or OIDC validation report (signing certificates only). */
export function comparableFromReport(
  report: ValidationReport,
  extra: { clientId?: string; attributeMapping?: Record<string, string> } = {},
): ComparableConnection {
  const attributeMapping = extra.attributeMapping ?? {};
  if (report.kind === "saml-metadata") {
    const certs = report.facts.certificates.filter((c) => c.use === "signing" || c.use === "signing-and-encryption");
    return {
      protocol: "saml",
      ...(report.facts.entityId ? { entityId: report.facts.entityId } : {}),
      ...(report.options?.signInEndpoint ? { signInUrl: report.options.signInEndpoint } : {}),
      ...(report.options?.signOutEndpoint ? { signOutUrl: report.options.signOutEndpoint } : {}),
      bindings: [...new Set(report.facts.ssoServices.map((s) => s.binding))].sort(),
      certificates: uniqueCertificates(
        certs.map((c) => ({
          fingerprintSha256: c.fingerprintSha256,
          subject: c.subject,
          notBefore: c.notBefore,
          notAfter: c.notAfter,
        })),
      ),
      attributeMapping,
    };
  }
  if (report.kind === "oidc-discovery") {
    return {
      protocol: "oidc",
      ...(report.facts.issuer ? { issuer: report.facts.issuer } : {}),
      ...(report.facts.discoveryUrl ? { discoveryUrl: report.facts.discoveryUrl } : {}),
      ...(report.options?.authorization_endpoint ? { signInUrl: report.options.authorization_endpoint } : {}),
      ...(report.options?.token_endpoint ? { tokenUrl: report.options.token_endpoint } : {}),
      ...(report.options?.userinfo_endpoint ? { userinfoUrl: report.options.userinfo_endpoint } : {}),
      ...(report.options?.jwks_uri ? { jwksUrl: report.options.jwks_uri } : {}),
      ...(extra.clientId ? { clientId: extra.clientId } : {}),
      bindings: [],
      certificates: [],
      attributeMapping,
    };
  }
  throw new Error(`A ${report.kind} report does not describe a connection.`);
}

function uniqueCertificates(certs: ComparableCertificate[]): ComparableCertificate[] {
  const seen = new Map<string, ComparableCertificate>();
  for (const c of certs) if (!seen.has(c.fingerprintSha256)) seen.set(c.fingerprintSha256, c);
  return [...seen.values()];
}

/**
 * The comparable view of a normalized configuration (app/services/connections/configuration.ts):
 * its fields, plus what only the report knows (every signing certificate, the SSO bindings).
 */
export function comparableFor(configuration: ConnectionConfiguration, report: ValidationReport): ComparableConnection {
  const attributeMapping: Record<string, string> = {};
  for (const field of MAPPED_FIELDS) {
    const name = configuration.mapping[field].trim();
    if (name) attributeMapping[MAPPED_FIELD_LABEL[field]] = name;
  }
  if (configuration.protocol === "saml") {
    const fromReport = report.kind === "saml-metadata" ? comparableFromReport(report) : null;
    return {
      protocol: "saml",
      entityId: configuration.entityId,
      signInUrl: configuration.options.signInEndpoint,
      ...(configuration.options.signOutEndpoint ? { signOutUrl: configuration.options.signOutEndpoint } : {}),
      bindings: fromReport?.bindings ?? [configuration.options.protocolBinding],
      certificates: fromReport?.certificates ?? [],
      attributeMapping,
    };
  }
  return {
    protocol: "oidc",
    issuer: configuration.options.issuer,
    ...(configuration.options.discovery_url ? { discoveryUrl: configuration.options.discovery_url } : {}),
    signInUrl: configuration.options.authorization_endpoint,
    tokenUrl: configuration.options.token_endpoint,
    ...(configuration.options.userinfo_endpoint ? { userinfoUrl: configuration.options.userinfo_endpoint } : {}),
    jwksUrl: configuration.options.jwks_uri,
    clientId: configuration.clientId,
    bindings: [],
    certificates: [],
    attributeMapping,
    ...(configuration.clientSecret
      ? { secretRef: createHash("sha256").update(configuration.clientSecret.$sealed).digest("hex").slice(0, 16) }
      : {}),
  };
}
