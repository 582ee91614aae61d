import {
  type DocumentFetcher,
  validateOidcProvider,
  validateSamlMetadata,
  validateSamlMetadataUrl,
  type ValidationReport,
} from "~/validators/index";
import { countValidation } from "../monitoring/metrics.server";
import { getEnv } from "../platform/env.server";
import { createSafeFetcher } from "./safe-fetch.server";

/**
 * What routes and jobs call to judge an IdP's side: the validators with the real clock, the
 * SSRF-safe fetcher and local mode taken from the environment (plain http to loopback is allowed
 * only there, for the demo IdPs). Everything is overridable for tests.
 */
export interface ValidationContext {
  now?: Date;
  localMode?: boolean;
  fetch?: DocumentFetcher;
}

const fetchers = new Map<boolean, DocumentFetcher>();

function resolve(ctx: ValidationContext): { now: Date; localMode: boolean; fetch: DocumentFetcher } {
  const localMode = ctx.localMode ?? getEnv().localMode;
  let fetch = ctx.fetch ?? fetchers.get(localMode);
  if (!fetch) {
    fetch = createSafeFetcher({ localMode });
    fetchers.set(localMode, fetch);
  }
  return { now: ctx.now ?? new Date(), localMode, fetch };
}

/** Every verdict is counted for /metrics (sso_portal_validations_total). */
function counted(report: ValidationReport): ValidationReport {
  countValidation(report.kind, report.verdict);
  return report;
}

/** An uploaded or pasted metadata document. */
export function judgeMetadataDocument(
  document: Uint8Array | string,
  opts: { entityId?: string; trustedCertificates?: string[] } & ValidationContext = {},
): ValidationReport {
  const { now, localMode } = resolve(opts);
  return counted(
    validateSamlMetadata(document, {
      now,
      localMode,
      ...(opts.entityId !== undefined ? { entityId: opts.entityId } : {}),
      ...(opts.trustedCertificates ? { trustedCertificates: opts.trustedCertificates } : {}),
    }),
  );
}

/** A metadata URL, fetched once through the SSRF-safe fetcher. */
export function judgeMetadataUrl(
  url: string,
  opts: { entityId?: string; trustedCertificates?: string[] } & ValidationContext = {},
): Promise<ValidationReport> {
  const ctx = resolve(opts);
  return validateSamlMetadataUrl(url, {
    ...ctx,
    ...(opts.entityId !== undefined ? { entityId: opts.entityId } : {}),
    ...(opts.trustedCertificates ? { trustedCertificates: opts.trustedCertificates } : {}),
  }).then(counted);
}

/** An OIDC provider: discovery (or issuer) URL, then its JWKS; the client credentials shape-checked. */
export function judgeOidcProvider(
  discoveryOrIssuerUrl: string,
  opts: { clientId?: string; clientSecret?: string } & ValidationContext = {},
): Promise<ValidationReport> {
  const ctx = resolve(opts);
  return validateOidcProvider(discoveryOrIssuerUrl, {
    ...ctx,
    ...(opts.clientId !== undefined ? { clientId: opts.clientId } : {}),
    ...(opts.clientSecret !== undefined ? { clientSecret: opts.clientSecret } : {}),
  }).then(counted);
}
