/**
 * Why a test login failed, in the customer's words: Auth0's `error` / `error_description` (the
 * texts the hosted service really sends, see ../shared/research/auth0-login-errors.md; the local
 * tenant sends the same) become a cause, a fix and the technical detail. Classified on the
 * description, not on `error`: Auth0 does not say which `error` a SAML validation failure carries.
 * Pure: no I/O, so the same table serves the result page, notifications and tests.
 */

export type FailureCause =
  | "wrong-signing-certificate"
  | "signature-invalid"
  | "signing-certificate-unusable"
  | "assertion-time"
  | "wrong-audience"
  | "wrong-destination"
  | "wrong-recipient"
  | "unsigned-assertion"
  | "no-assertion"
  | "encrypted-assertion"
  | "idp-initiated"
  | "idp-refused-request"
  | "idp-user-not-assigned"
  | "idp-authentication-failed"
  | "idp-error"
  | "oidc-client-authentication"
  | "oidc-issuer-mismatch"
  | "oidc-audience-mismatch"
  | "oidc-token-signature"
  | "oidc-nonce-mismatch"
  | "oidc-token-expired"
  | "wrong-redirect-uri"
  | "user-cancelled"
  | "connection-disabled"
  | "connection-not-found"
  | "not-a-member"
  | "missing-email"
  | "email-outside-domains"
  | "missing-mapped-attribute"
  | "unknown";

export type Protocol = "saml" | "oidc";

export interface FailureInput {
  /** Auth0's `error` on the callback (may be empty when only the description is known). */
  error: string;
  /** Auth0's `error_description`. */
  errorDescription: string;
  protocol: Protocol;
}

export interface FailureExplanation {
  cause: FailureCause;
  /** What went wrong, for the customer's IT admin. */
  title: string;
  /** What to change, and where. */
  fix: string;
  /** Values read out of the message (thumbprints, expected and received values). */
  facts: { label: string; value: string }[];
  /** Auth0's words, unchanged, for the folded technical detail. */
  technical: { error: string; errorDescription: string };
}

type Rule = {
  cause: FailureCause;
  protocols?: Protocol[];
  /** Matched against error_description (and, for `errors`, the error code). */
  match: RegExp;
  errors?: string[];
  facts?: (m: RegExpExecArray) => { label: string; value: string }[];
};

interface Words {
  title: string;
  fix: string;
}

/** The customer's words for each cause. */
export const CAUSE_WORDS: Record<FailureCause, Words> = {
  "wrong-signing-certificate": {
    title: "Your identity provider signed the response with a certificate the connection does not know.",
    fix: "Download the signing certificate your identity provider uses now (or its current metadata) and submit it as a new version. This happens after the IdP rotated its certificate, or when the certificate of another application was uploaded.",
  },
  "signature-invalid": {
    title: "The signature on the SAML response does not verify.",
    fix: "The response was changed after it was signed, or signed with a key that does not match the certificate. Check that nothing between your IdP and the browser rewrites the response, and that the IdP signs with the certificate in its metadata.",
  },
  "signing-certificate-unusable": {
    title: "The signing certificate stored on the connection cannot be used.",
    fix: "Upload your identity provider's signing certificate again (PEM or metadata) in a new version; check that it has not expired.",
  },
  "assertion-time": {
    title: "The assertion is outside its validity period: it has expired, or is not valid yet.",
    fix: "Check the clock of your identity provider's server (it must be accurate to within a few minutes), and that the IdP does not issue assertions valid for too short a time. Then test again with a fresh sign-in, not the browser's back button.",
  },
  "wrong-audience": {
    title: "The assertion is addressed to another service provider (wrong audience / entity ID).",
    fix: "In your identity provider, set the Audience URI (SP Entity ID) to the value shown on the setup page, exactly as shown.",
  },
  "wrong-destination": {
    title: "The response names another address than this connection's ACS URL (wrong destination).",
    fix: "In your identity provider, set the Single sign-on URL (ACS URL, Reply URL) to the value shown on the setup page, exactly as shown.",
  },
  "wrong-recipient": {
    title: "The assertion names another recipient than this connection's ACS URL.",
    fix: "In your identity provider, set the Recipient (usually the same as the Single sign-on / ACS URL) to the ACS URL shown on the setup page.",
  },
  "unsigned-assertion": {
    title: "Your identity provider sent the SAML response unsigned.",
    fix: "Turn on signing in your identity provider: sign the assertion (recommended) or the whole response, with the certificate you gave us.",
  },
  "no-assertion": {
    title: "The SAML response carries no assertion about the user.",
    fix: "Your identity provider answered without signing anyone in; its own logs say why. Check that the user can use this application at the IdP.",
  },
  "encrypted-assertion": {
    title: "Your identity provider encrypted the assertion, and the connection cannot decrypt it.",
    fix: "Turn off assertion encryption in your identity provider, or encrypt with the certificate from the service provider metadata.",
  },
  "idp-initiated": {
    title: "The sign-in started at your identity provider (IdP-initiated), which this connection does not accept.",
    fix: "Start the test from this portal with “Test login”, not from the IdP's app dashboard. If your IdP answers a different request than it was sent, check that it keeps the RelayState it received.",
  },
  "idp-refused-request": {
    title: "Your identity provider refused the sign-in request.",
    fix: "Most often the IdP does not allow the requested NameID format (InvalidNameIDPolicy): set the Name ID format to “Unspecified” or “Email address” in your IdP, or allow the persistent format. Your IdP's event log names the exact reason.",
  },
  "idp-user-not-assigned": {
    title: "Your identity provider refused this user: they are not assigned to the application.",
    fix: "Assign the user (or a group they are in) to this application in your identity provider, then test again.",
  },
  "idp-authentication-failed": {
    title: "Your identity provider did not sign the user in: they cancelled, or signing in failed there.",
    fix: "Test again and complete the sign-in at the identity provider. If it fails again, your IdP's sign-in logs say why (wrong password, MFA, a policy).",
  },
  "idp-error": {
    title: "Your identity provider answered with an error instead of signing the user in.",
    fix: "Its message is below. Your IdP's event log has the details; fix the cause there and test again.",
  },
  "oidc-client-authentication": {
    title: "Your identity provider did not accept the connection's client secret (or client ID).",
    fix: "Copy the client secret again from your identity provider (a secret's value, not its ID; secrets expire) and submit it as a new version. If the IdP only accepts “client_secret_basic”, allow “client_secret_post” for this application.",
  },
  "oidc-issuer-mismatch": {
    title: "The ID token comes from another issuer than the one the connection was configured with.",
    fix: "Use the discovery URL of your own tenant (for Entra ID the tenant-specific one, not /common or /organizations), so that the issuer in the discovery document matches the tokens.",
  },
  "oidc-audience-mismatch": {
    title: "The ID token is addressed to another application (wrong audience).",
    fix: "Check that the client ID on the connection is the client ID of the application you created for us in your identity provider.",
  },
  "oidc-token-signature": {
    title: "The ID token's signature could not be checked against your identity provider's published keys.",
    fix: "Check that the discovery URL is your identity provider's and that its JWKS publishes the key it signs with (after a key rotation, wait for the new key to be published).",
  },
  "oidc-nonce-mismatch": {
    title: "The ID token does not belong to this sign-in (nonce mismatch).",
    fix: "Start a fresh test. If it happens again, your identity provider adds a fixed nonce to its tokens: turn that off there.",
  },
  "oidc-token-expired": {
    title: "The ID token had already expired when it arrived.",
    fix: "Check the clock of your identity provider and the lifetime it gives ID tokens (a few minutes at least).",
  },
  "wrong-redirect-uri": {
    title: "Your identity provider does not know the redirect URI, so it stopped the sign-in on its own page.",
    fix: "Add the redirect URI shown on the setup page to the application's allowed redirect (reply) URLs in your identity provider, exactly as shown.",
  },
  "user-cancelled": {
    title: "The sign-in was cancelled at your identity provider.",
    fix: "Nothing is wrong with the configuration as far as this test goes: run the test again and complete the sign-in.",
  },
  "connection-disabled": {
    title: "The connection is not turned on for the application that was used.",
    fix: "Wait until the version's apply has finished (its progress is on the SSO page), then test again. If it stays like this, ask support.",
  },
  "connection-not-found": {
    title: "The connection does not exist (yet) in the vendor's Auth0 tenant.",
    fix: "Wait until the version has been applied, then test again. If it stays like this, ask support.",
  },
  "not-a-member": {
    title: "The user signed in, but is not allowed into the vendor's organization for your company.",
    fix: "Ask support to check the organization's membership settings for this connection.",
  },
  "missing-email": {
    title: "Your identity provider did not send the user's e-mail address.",
    fix: "Add an attribute (claim) with the user's e-mail: for SAML named “email” or http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress, for OIDC the “email” claim (scope “email”).",
  },
  "email-outside-domains": {
    title: "The e-mail address your identity provider sent is not in one of your organization's verified domains.",
    fix: "Send the user's work e-mail (the mail attribute, not a personal or alias address), or add and verify that domain on your organization's page.",
  },
  "missing-mapped-attribute": {
    title: "An attribute your configuration maps did not arrive.",
    fix: "Release the attribute to this application in your identity provider (SAML: add it to the attribute statements; OIDC: request the scope that carries it), under the name your mapping uses.",
  },
  unknown: {
    title: "The sign-in failed for a reason we do not recognise.",
    fix: "The message from Auth0 is below. Send it to support with the time of the test; they can look it up in the tenant's logs.",
  },
};

const IDP_STATUS_TEXTS = {
  requester: "The request could not be performed due to an error on the part of the requester",
  responder: "The request could not be performed due to an error on the part of the SAML responder or SAML authority",
  authnFailed: "The responding provider was unable to successfully authenticate the principal",
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** First match wins: specific texts before general ones. */
const RULES: Rule[] = [
  {
    cause: "wrong-signing-certificate",
    match: /^Invalid thumbprint \(configured: (.+?)\. calculated: (.+?)\)$/,
    facts: (m) => [
      { label: "Certificate the connection expects (SHA-1 thumbprint)", value: m[1]! },
      { label: "Certificate the response was signed with (SHA-1 thumbprint)", value: m[2]! },
    ],
  },
  { cause: "signature-invalid", match: /^(Signature check errors|Could not validate Signature)/ },
  {
    cause: "signing-certificate-unusable",
    match: /^(The signing certificate is invalid|The signing certificate is not currently valid)/,
  },
  { cause: "assertion-time", match: /^assertion has expired\.$/ },
  {
    cause: "wrong-audience",
    match: /^Audience is invalid\. Configured: (.+)$/,
    facts: (m) => [{ label: "Audience (SP entity ID) the connection expects", value: m[1]! }],
  },
  {
    cause: "wrong-destination",
    match: /^Destination endpoint (.+) did not match (.+)$/,
    facts: (m) => [
      { label: "Destination in the response", value: m[1]! },
      { label: "ACS URL the connection expects", value: m[2]! },
    ],
  },
  {
    cause: "wrong-recipient",
    match: /^Recipient is invalid\. Configured: (.+)$/,
    facts: (m) => [{ label: "ACS URL the connection expects", value: m[1]! }],
  },
  { cause: "unsigned-assertion", match: /^neither the response nor the assertion are signed$/ },
  { cause: "no-assertion", match: /^saml response does not contain an Assertion element/ },
  { cause: "encrypted-assertion", match: /^(Assertion is encrypted\.|error:02000079|.*oaep decoding error)/ },
  {
    cause: "idp-initiated",
    match: /^(IdP-Initiated login is not enabled for connection|Default App for IdP-Initiated is not configured)/,
  },
  // A SAML IdP's status: the fixed texts Auth0's library uses when the IdP sent no message.
  { cause: "idp-refused-request", protocols: ["saml"], match: new RegExp(`^${escape(IDP_STATUS_TEXTS.requester)}$`) },
  {
    cause: "idp-authentication-failed",
    protocols: ["saml"],
    match: new RegExp(`^${escape(IDP_STATUS_TEXTS.authnFailed)}$`),
  },
  // Messages IdPs send themselves (Entra ID's AADSTS codes, Okta's and others' wording).
  {
    cause: "idp-user-not-assigned",
    match: /not assigned|AADSTS50105|RequestDenied|not authorized to access this application/i,
  },
  { cause: "idp-refused-request", match: /InvalidNameIDPolicy|NameID ?policy|AADSTS75011/i },
  {
    cause: "wrong-redirect-uri",
    match: /redirect_uri|redirect uri|reply url|AADSTS50011|redirect_uri_mismatch/i,
  },
  {
    cause: "oidc-client-authentication",
    match:
      /^server responded with a challenge in the WWW-Authenticate HTTP Header$|invalid_client|client authentication failed|AADSTS7000215|AADSTS7000222/i,
  },
  {
    cause: "oidc-issuer-mismatch",
    match: /^unexpected iss value, expected (.+), got: (.*)$/,
    facts: (m) => [
      { label: "Issuer the connection expects (from the discovery document)", value: m[1]! },
      { label: "Issuer in the ID token", value: m[2]! },
    ],
  },
  { cause: "oidc-issuer-mismatch", match: /^unexpected JWT "iss" \(issuer\) claim value/ },
  {
    cause: "oidc-audience-mismatch",
    match: /^aud mismatch, expected (.+), got: (.*)$/,
    facts: (m) => [
      { label: "Client ID the connection expects", value: m[1]! },
      { label: "Audience in the ID token", value: m[2]! },
    ],
  },
  {
    cause: "oidc-token-signature",
    match: /^(failed to validate JWT signature|no valid key found in issuer's jwks_uri)/,
  },
  { cause: "oidc-nonce-mismatch", match: /^nonce mismatch, expected (.+), got: (.*)$/ },
  { cause: "oidc-token-expired", match: /^JWT expired, now/ },
  {
    cause: "user-cancelled",
    match:
      /^(End-User aborted interaction|The user has denied your application access\.|access_denied|user cancel+ed|.*cancel+ed (the )?(sign[- ]in|login|authentication))/i,
  },
  {
    cause: "user-cancelled",
    errors: ["access_denied"],
    protocols: ["oidc"],
    match: /denied|consent/i,
  },
  { cause: "connection-disabled", errors: ["invalid_request"], match: /^the connection was disabled$/ },
  { cause: "connection-not-found", errors: ["invalid_request"], match: /^the connection was not found/ },
  { cause: "not-a-member", match: /is not a member of the organization/ },
  // Any other status from a SAML IdP: Auth0 passes its StatusMessage through, or the Responder text.
  { cause: "idp-error", protocols: ["saml"], match: new RegExp(`^${escape(IDP_STATUS_TEXTS.responder)}$`) },
];

export function explainCause(
  cause: FailureCause,
  technical: FailureExplanation["technical"] = { error: "", errorDescription: "" },
  facts: FailureExplanation["facts"] = [],
): FailureExplanation {
  const words = CAUSE_WORDS[cause];
  return { cause, title: words.title, fix: words.fix, facts, technical };
}

/** The cause and fix for a failed login, from Auth0's `error` and `error_description`. */
export function explainLoginFailure(input: FailureInput): FailureExplanation {
  const description = input.errorDescription.trim();
  const technical = { error: input.error, errorDescription: input.errorDescription };
  for (const rule of RULES) {
    if (rule.protocols && !rule.protocols.includes(input.protocol)) continue;
    if (rule.errors && !rule.errors.includes(input.error)) continue;
    const m = rule.match.exec(description);
    if (m) return explainCause(rule.cause, technical, rule.facts?.(m) ?? []);
  }
  // A SAML IdP's own StatusMessage comes through verbatim: still the IdP's answer, not ours.
  if (input.protocol === "saml" && description && !/^[a-z_]+$/.test(description)) {
    const known = /^(SAML response rejected|InResponseTo|The connection|Encrypted assertions)/.test(description);
    if (!known) return explainCause("idp-error", technical, [{ label: "Message from your IdP", value: description }]);
  }
  if (input.protocol === "oidc" && input.error && input.error !== "access_denied" && input.error !== "server_error") {
    return explainCause("idp-error", technical, [{ label: "Error from your IdP", value: description || input.error }]);
  }
  return explainCause("unknown", technical);
}
