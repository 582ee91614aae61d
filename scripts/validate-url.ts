import { createSafeFetcher } from "../app/services/idp-documents/safe-fetch.server.js";
import {
  detectKind,
  FetchRefused,
  validateJwks,
  validateOidcProvider,
  validateSamlMetadata,
  validateSamlMetadataUrl,
  type DocumentFetcher,
  type ValidationReport,
} from "../app/validators/index.js";
import type { ParsedArgs } from "./validate-document.js";

/** A URL is fetched through the SSRF-safe fetcher; the kind is detected from what comes back. */
export async function validateUrl(args: ParsedArgs, fetcher?: DocumentFetcher): Promise<ValidationReport> {
  const fetch = fetcher ?? createSafeFetcher({ localMode: args.local });
  const common = { now: args.now, fetch, ...(args.local ? { localMode: true } : {}) };
  let kind = args.kind;
  if (!kind && /\/\.well-known\/openid-configuration$/.test(new URL(args.target).pathname)) kind = "oidc-discovery";
  if (kind === "oidc-discovery") return validateOidcProvider(args.target, common);
  if (kind === "saml-metadata") {
    return validateSamlMetadataUrl(args.target, {
      ...common,
      ...(args.entityId !== undefined ? { entityId: args.entityId } : {}),
    });
  }
  let body: Uint8Array;
  try {
    body = (await fetch(args.target, kind === "jwks" ? "json" : "any")).body;
  } catch (err) {
    const report = validateSamlMetadata("", { now: args.now });
    const finding =
      err instanceof FetchRefused
        ? { code: err.code, message: err.message, fix: err.fix }
        : {
            code: "FETCH_FAILED",
            message: "The document could not be fetched.",
            fix: "Check the URL, then try again.",
          };
    return { ...report, kind: "unknown", facts: {}, errors: [finding], options: null };
  }
  const detected = kind ?? detectKind(body, args.target);
  if (detected === "jwks") return validateJwks(body, { now: args.now });
  if (detected === "oidc-discovery") return validateOidcProvider(args.target, common);
  return validateSamlMetadata(body, {
    now: args.now,
    ...(args.local ? { localMode: true } : {}),
    ...(args.entityId !== undefined ? { entityId: args.entityId } : {}),
  });
}
