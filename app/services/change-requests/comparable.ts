import type { ValidationReport } from "~/validators/report";

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
  clientId?: string;
  /** Portal attribute → IdP claim or attribute name. */
  attributeMapping: Record<string, string>;
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
