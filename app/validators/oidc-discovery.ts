import { checkClientId, checkClientSecret } from "./client-credentials";
import { detectProduct } from "./idp-product";
import { parseJsonObject, stringArray } from "./json-document";
import { Findings, type OidcFacts, type OidcOptions, type ValidationReport } from "./report";
import { checkEndpointUrl, quote } from "./urls";

export interface OidcDiscoveryOptions {
  now: Date;
  /** The URL the document was fetched from; without it the issuer cannot be checked (a file). */
  discoveryUrl?: string;
  /** Local mode: plain http is allowed for loopback hosts (the demo IdP). */
  localMode?: boolean;
  clientId?: string;
  /** Only shape-checked; never copied into the report. */
  clientSecret?: string;
}

export type OidcReport = Extract<ValidationReport, { kind: "oidc-discovery" }>;

export const WELL_KNOWN = "/.well-known/openid-configuration";
const ENTRA_TEMPLATE = "{tenantid}";
const FIX_IDP = "Check the discovery URL of your identity provider (it ends with /.well-known/openid-configuration).";

/** The issuer a discovery URL implies (OpenID Connect Discovery 4.1): the URL without the suffix. */
export function issuerFromDiscoveryUrl(url: string): string | undefined {
  const u = url.split("#")[0]!.split("?")[0]!;
  return u.endsWith(WELL_KNOWN) ? u.slice(0, -WELL_KNOWN.length) : undefined;
}

/** Accepts an issuer URL or a discovery URL; returns the discovery URL. */
export function discoveryUrlFor(input: string): string {
  const trimmed = input.trim();
  if (issuerFromDiscoveryUrl(trimmed) !== undefined) return trimmed;
  return `${trimmed.replace(/\/+$/, "")}${WELL_KNOWN}`;
}

const stripSlash = (s: string) => s.replace(/\/$/, "");

export function validateOidcDiscovery(
  input: Uint8Array | string | Record<string, unknown>,
  opts: OidcDiscoveryOptions,
): OidcReport {
  const findings = new Findings();
  const facts: OidcFacts = {
    product: "Other OpenID Connect provider",
    ...(opts.discoveryUrl ? { discoveryUrl: opts.discoveryUrl } : {}),
    endpoints: {},
    pkce: { supported: false, methods: [] },
    idTokenSigningAlgorithms: [],
    responseTypes: [],
    scopes: [],
    tokenEndpointAuthMethods: [],
  };
  const done = (options: OidcOptions | null = null): OidcReport => {
    const base = findings.base();
    return { kind: "oidc-discovery", ...base, facts, options: base.verdict === "error" ? null : options };
  };
  if (opts.clientId !== undefined) checkClientId(opts.clientId, findings);
  if (opts.clientSecret !== undefined) checkClientSecret(opts.clientSecret, opts.clientId, findings);

  const parsed = parseJsonObject(input, "discovery document");
  if (!parsed.ok) {
    findings.error(parsed.code, parsed.message, parsed.fix);
    return done();
  }
  const doc = parsed.value;
  const str = (name: string) => (typeof doc[name] === "string" ? (doc[name] as string) : undefined);
  const missing = (field: string, why: string) =>
    findings.error("OIDC_MISSING_FIELD", `The discovery document has no ${field}: ${why}.`, FIX_IDP);

  // The issuer.
  const issuer = str("issuer");
  let templated = false;
  if (issuer === undefined) {
    missing("issuer", "nothing says who issues the tokens");
  } else {
    facts.issuer = issuer;
    templated = issuer.includes(ENTRA_TEMPLATE);
    const url = checkEndpointUrl(templated ? issuer.replace(ENTRA_TEMPLATE, "tenant") : issuer);
    if (!url.ok) {
      findings.error("OIDC_ISSUER_INVALID", `The issuer ${quote(issuer)} ${url.reason}.`, FIX_IDP);
    } else if (url.plainHttp && !(opts.localMode && url.loopback)) {
      findings.error(
        "OIDC_ISSUER_NOT_HTTPS",
        `The issuer ${quote(issuer)} uses plain http; OpenID Connect requires https${url.loopback ? "" : ` (and ${quote(url.url.hostname)} looks like an internal host name)`}.`,
        "Use your identity provider's public https address.",
      );
    } else if (url.url.search || url.url.hash) {
      findings.error(
        "OIDC_ISSUER_INVALID",
        `The issuer ${quote(issuer)} has a query or fragment, which OpenID Connect forbids.`,
        FIX_IDP,
      );
    }
    if (templated) {
      findings.warn(
        "OIDC_ISSUER_TEMPLATE",
        `The issuer ${quote(issuer)} is Microsoft Entra ID's multi-tenant template: tokens carry each tenant's own issuer, so they cannot be matched to this one and any Microsoft tenant could sign in.`,
        "Use your tenant-specific discovery URL: https://login.microsoftonline.com/<your tenant ID>/v2.0/.well-known/openid-configuration.",
      );
    }
    const expected = opts.discoveryUrl ? issuerFromDiscoveryUrl(opts.discoveryUrl) : undefined;
    if (!opts.discoveryUrl) {
      findings.note(
        "OIDC_ISSUER_NOT_CHECKED",
        "The document was not fetched from a URL, so its issuer could not be compared with where it came from.",
      );
    } else if (expected === undefined) {
      findings.error(
        "OIDC_DISCOVERY_URL_INVALID",
        `The discovery URL ${quote(opts.discoveryUrl)} does not end with ${WELL_KNOWN}.`,
        "Give the discovery URL that ends with /.well-known/openid-configuration, or the issuer URL.",
      );
    } else if (!templated && stripSlash(expected) !== stripSlash(issuer)) {
      findings.error(
        "OIDC_ISSUER_MISMATCH",
        `The document says its issuer is ${quote(issuer)} but it was fetched from ${quote(expected)}; OpenID Connect Discovery (section 4.3) requires them to be identical, or tokens could be accepted from the wrong issuer.`,
        "Use the discovery URL under the issuer your identity provider names.",
      );
    }
  }

  // Endpoints: https (loopback http only in local mode).
  const endpoint = (field: string, required: boolean): string | undefined => {
    const value = str(field);
    if (value === undefined) {
      if (required)
        missing(
          field,
          field === "jwks_uri" ? "the keys that sign ID tokens cannot be found" : "the code flow cannot run",
        );
      return undefined;
    }
    const check = checkEndpointUrl(value);
    if (!check.ok) {
      findings.error("OIDC_ENDPOINT_INVALID", `The ${field} ${quote(value)} ${check.reason}.`, FIX_IDP);
      return undefined;
    }
    if (check.plainHttp && !(opts.localMode && check.loopback)) {
      findings.error(
        "OIDC_ENDPOINT_NOT_HTTPS",
        `The ${field} ${quote(value)} uses plain http; tokens and codes would travel unencrypted.`,
        "Use your identity provider's public https address.",
      );
    }
    return value;
  };
  const authorization = endpoint("authorization_endpoint", true);
  const token = endpoint("token_endpoint", true);
  const jwks = endpoint("jwks_uri", true);
  const userinfo = endpoint("userinfo_endpoint", false);
  const endSession = str("end_session_endpoint");
  facts.endpoints = {
    ...(authorization ? { authorization } : {}),
    ...(token ? { token } : {}),
    ...(userinfo ? { userinfo } : {}),
    ...(jwks ? { jwks } : {}),
    ...(endSession && checkEndpointUrl(endSession).ok ? { endSession } : {}),
  };

  // Flows and algorithms.
  facts.responseTypes = stringArray(doc.response_types_supported);
  if (!Array.isArray(doc.response_types_supported)) {
    missing("response_types_supported", "it does not say which flows it supports");
  } else if (!facts.responseTypes.includes("code")) {
    findings.error(
      "OIDC_CODE_FLOW_UNSUPPORTED",
      `The provider does not list the authorization code flow ("code") in response_types_supported (it lists ${
        facts.responseTypes
          .slice(0, 8)
          .map((t) => quote(t, 30))
          .join(", ") || "nothing"
      }).`,
      "Enable the authorization code flow for this application in your identity provider.",
    );
  }
  facts.idTokenSigningAlgorithms = stringArray(doc.id_token_signing_alg_values_supported);
  if (facts.idTokenSigningAlgorithms.includes("none")) {
    findings.warn(
      "OIDC_ALG_NONE",
      'The provider allows unsigned ID tokens ("none" in id_token_signing_alg_values_supported).',
      "Make sure your application in the identity provider signs ID tokens with RS256 or ES256; unsigned tokens will be refused.",
    );
  }
  facts.pkce.methods = stringArray(doc.code_challenge_methods_supported);
  facts.pkce.supported = facts.pkce.methods.includes("S256");
  if (!facts.pkce.supported) {
    findings.note(
      "OIDC_PKCE_NOT_ADVERTISED",
      facts.pkce.methods.length
        ? `The provider advertises PKCE only with ${facts.pkce.methods.join(", ")}, not S256.`
        : "The provider does not advertise PKCE (code_challenge_methods_supported); many support it anyway.",
    );
  }
  facts.scopes = stringArray(doc.scopes_supported);
  if (facts.scopes.length && !facts.scopes.includes("openid")) {
    findings.warn("OIDC_NO_OPENID_SCOPE", 'The provider does not list the "openid" scope.', FIX_IDP);
  }
  facts.tokenEndpointAuthMethods = stringArray(doc.token_endpoint_auth_methods_supported);

  facts.product = detectProduct([issuer, authorization, token, jwks], facts.product);

  if (!issuer || !authorization || !token || !jwks) return done();
  const discoveryUrl = opts.discoveryUrl ?? (templated ? undefined : `${stripSlash(issuer)}${WELL_KNOWN}`);
  const clientId = opts.clientId?.trim();
  return done({
    type: "back_channel",
    ...(discoveryUrl ? { discovery_url: discoveryUrl } : {}),
    issuer,
    ...(clientId ? { client_id: clientId } : {}),
    authorization_endpoint: authorization,
    token_endpoint: token,
    ...(userinfo ? { userinfo_endpoint: userinfo } : {}),
    jwks_uri: jwks,
    scope: "openid profile email",
  });
}
