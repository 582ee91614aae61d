import { validateJwks } from "./jwks";
import { discoveryUrlFor, validateOidcDiscovery, type OidcReport } from "./oidc-discovery";
import type { Finding } from "./report";
import { validateSamlMetadata, type SamlReport } from "./saml-metadata";

/**
 * The validators do no I/O: URL checks take a fetcher (in the app, the one SSRF-safe fetcher of
 * app/services/idp-documents/safe-fetch.server.ts; in tests, anything). A fetcher refuses with a FetchRefused.
 */
export interface FetchedDocument {
  /** The URL the body finally came from (after redirects). */
  url: string;
  contentType: string;
  body: Uint8Array;
  /** The server's validators, for a conditional request next time. */
  etag?: string;
  lastModified?: string;
  /** 304: the document is the one the conditions named (the body is empty). */
  notModified?: boolean;
}
/** A conditional request's validators (ETag / Last-Modified of the copy last fetched). */
export interface FetchConditions {
  etag?: string | null;
  lastModified?: string | null;
}
export type DocumentFetcher = (
  url: string,
  expect: "xml" | "json" | "any",
  conditions?: FetchConditions,
) => Promise<FetchedDocument>;

export class FetchRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = "FetchRefused";
  }
}

function fetchFinding(err: unknown, what: string): Finding {
  if (err instanceof FetchRefused) return { code: err.code, message: err.message, fix: err.fix };
  return {
    code: "FETCH_FAILED",
    message: `The ${what} could not be fetched.`,
    fix: "Check the URL and that it is reachable from the internet, then try again.",
  };
}

export interface RemoteOptions {
  now: Date;
  fetch: DocumentFetcher;
  localMode?: boolean;
}

export async function validateSamlMetadataUrl(
  url: string,
  opts: RemoteOptions & { entityId?: string; trustedCertificates?: string[] },
): Promise<SamlReport> {
  let doc: FetchedDocument;
  try {
    doc = await opts.fetch(url, "xml");
  } catch (err) {
    const report = validateSamlMetadata("", { now: opts.now });
    return { ...report, errors: [fetchFinding(err, "metadata")] };
  }
  return validateSamlMetadata(doc.body, opts);
}

/**
 * Fetches the discovery document (from a discovery or issuer URL), checks it against the URL it
 * came from, then fetches and checks its JWKS. JWKS findings join the report; its facts go under
 * `facts.jwks`.
 */
export async function validateOidcProvider(
  urlOrIssuer: string,
  opts: RemoteOptions & { clientId?: string; clientSecret?: string },
): Promise<OidcReport> {
  const discoveryUrl = discoveryUrlFor(urlOrIssuer);
  const base = { now: opts.now, discoveryUrl, ...(opts.localMode ? { localMode: true } : {}) };
  const creds = {
    ...(opts.clientId !== undefined ? { clientId: opts.clientId } : {}),
    ...(opts.clientSecret !== undefined ? { clientSecret: opts.clientSecret } : {}),
  };
  let doc: FetchedDocument;
  try {
    doc = await opts.fetch(discoveryUrl, "json");
  } catch (err) {
    const report = validateOidcDiscovery({}, { ...base, ...creds });
    return {
      ...report,
      verdict: "error",
      errors: [fetchFinding(err, "discovery document")],
      warnings: [],
      notes: [],
      options: null,
    };
  }
  const report = validateOidcDiscovery(doc.body, { ...base, ...creds });
  const jwksUri = report.facts.endpoints.jwks;
  if (!jwksUri || report.errors.some((e) => e.code.startsWith("OIDC_ENDPOINT") || e.code.startsWith("OIDC_ISSUER"))) {
    return report;
  }
  let jwksDoc: FetchedDocument;
  try {
    jwksDoc = await opts.fetch(jwksUri, "json");
  } catch (err) {
    const errors = [...report.errors, fetchFinding(err, "key set (jwks_uri)")];
    return { ...report, verdict: "error", errors, options: null };
  }
  const jwks = validateJwks(jwksDoc.body, { now: opts.now });
  const errors = [...report.errors, ...jwks.errors];
  const warnings = [...report.warnings, ...jwks.warnings];
  const verdict = errors.length ? "error" : warnings.length ? "warn" : "ok";
  return {
    ...report,
    verdict,
    errors,
    warnings,
    notes: [...report.notes, ...jwks.notes],
    facts: { ...report.facts, jwks: jwks.facts },
    options: verdict === "error" ? null : report.options,
  };
}
