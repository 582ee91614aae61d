import { describe, expect, it } from "vitest";
import { explainLoginFailure, type FailureCause, type Protocol } from "./failure-explanations";

/**
 * Auth0's own texts (quoted in ../shared/research/auth0-login-errors.md with their sources): the
 * table must name the right cause for what a real tenant sends, not only for the local tenant.
 */
const AUTH0_TEXTS: [Protocol, string, string, FailureCause][] = [
  [
    "saml",
    "access_denied",
    "Invalid thumbprint (configured: 634AB4651FCA2F623563BE32EDA32DE565219118. calculated: BDEBFBFBA786C2D97F2125274793E32643358E81)",
    "wrong-signing-certificate",
  ],
  [
    "saml",
    "",
    "Signature check errors: invalid signature: for uri #_abc calculated digest is AAA= but the xml to validate supplies digest BBB=",
    "signature-invalid",
  ],
  ["saml", "", "The signing certificate is invalid (PEM_read_bio_PUBKEY failed)", "signing-certificate-unusable"],
  ["saml", "", "assertion has expired.", "assertion-time"],
  ["saml", "", "Audience is invalid. Configured: urn:auth0:your_tenant_name:your_connection_name", "wrong-audience"],
  [
    "saml",
    "",
    "Destination endpoint https://old.example.com/acs did not match https://t.auth0.com/login/callback?connection=c",
    "wrong-destination",
  ],
  ["saml", "", "Recipient is invalid. Configured: https://t.auth0.com/login/callback", "wrong-recipient"],
  ["saml", "", "neither the response nor the assertion are signed", "unsigned-assertion"],
  [
    "saml",
    "",
    "saml response does not contain an Assertion element (Status: urn:oasis:names:tc:SAML:2.0:status:Responder)",
    "no-assertion",
  ],
  ["saml", "", "error:02000079:rsa routines::oaep decoding error", "encrypted-assertion"],
  ["saml", "invalid_request", "IdP-Initiated login is not enabled for connection 'sso-acme-saml'.", "idp-initiated"],
  [
    "saml",
    "unauthorized",
    "The request could not be performed due to an error on the part of the requester",
    "idp-refused-request",
  ],
  [
    "saml",
    "",
    "The responding provider was unable to successfully authenticate the principal",
    "idp-authentication-failed",
  ],
  ["saml", "unauthorized", "Unable to verify the signature", "idp-error"],
  [
    "saml",
    "",
    "The request could not be performed due to an error on the part of the SAML responder or SAML authority",
    "idp-error",
  ],
  ["saml", "invalid_request", "the connection was disabled", "connection-disabled"],
  ["oidc", "invalid_request", "the connection was not found", "connection-not-found"],
  ["oidc", "", "server responded with a challenge in the WWW-Authenticate HTTP Header", "oidc-client-authentication"],
  [
    "oidc",
    "access_denied",
    "unexpected iss value, expected https://login.microsoftonline.com/common/v2.0, got: https://login.microsoftonline.com/1234/v2.0",
    "oidc-issuer-mismatch",
  ],
  ["oidc", "access_denied", 'unexpected JWT "iss" (issuer) claim value', "oidc-issuer-mismatch"],
  ["oidc", "access_denied", "failed to validate JWT signature", "oidc-token-signature"],
  ["oidc", "access_denied", "nonce mismatch, expected undefined, got: XXX", "oidc-nonce-mismatch"],
  ["oidc", "access_denied", "The user has denied your application access.", "user-cancelled"],
  [
    "oidc",
    "access_denied",
    "AADSTS50105: Your administrator has configured the application to block users unless they are specifically granted ('assigned') access to the application.",
    "idp-user-not-assigned",
  ],
  [
    "oidc",
    "invalid_request",
    "AADSTS50011: The redirect URI 'https://t.auth0.com/login/callback' specified in the request does not match the redirect URIs configured for the application.",
    "wrong-redirect-uri",
  ],
  ["oidc", "server_error", "something nobody has seen before", "unknown"],
];

describe("explainLoginFailure", () => {
  it.each(AUTH0_TEXTS)("%s %s %s → %s", (protocol, error, errorDescription, cause) => {
    const explained = explainLoginFailure({ protocol, error, errorDescription });
    expect(explained.cause).toBe(cause);
    expect(explained.title.length).toBeGreaterThan(20);
    expect(explained.fix.length).toBeGreaterThan(20);
    expect(explained.technical).toEqual({ error, errorDescription });
  });

  it("reads the values out of the message, so the customer sees both sides", () => {
    const cert = explainLoginFailure({
      protocol: "saml",
      error: "access_denied",
      errorDescription: "Invalid thumbprint (configured: AAAA. calculated: BBBB)",
    });
    expect(cert.facts.map((f) => f.value)).toEqual(["AAAA", "BBBB"]);
    const iss = explainLoginFailure({
      protocol: "oidc",
      error: "access_denied",
      errorDescription: "unexpected iss value, expected https://a.example/, got: https://b.example/",
    });
    expect(iss.facts.map((f) => f.value)).toEqual(["https://a.example/", "https://b.example/"]);
  });

  it("passes a SAML IdP's own status message through as the IdP's error, quoted", () => {
    const out = explainLoginFailure({ protocol: "saml", error: "access_denied", errorDescription: "Tenant locked" });
    expect(out.cause).toBe("idp-error");
    expect(out.facts).toEqual([{ label: "Message from your IdP", value: "Tenant locked" }]);
  });
});
