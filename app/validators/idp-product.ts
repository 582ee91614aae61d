/**
 * Which product an IdP document comes from, from its entity ID / issuer and endpoint URLs. Only
 * used to tailor advice; never to relax a check.
 */
const RULES: [RegExp, string][] = [
  [/\.okta(preview|-emea)?\.com|\/\/www\.okta\.com\//i, "Okta"],
  [/\/adfs\//i, "Microsoft AD FS"],
  [/login\.microsoftonline\.(com|us)|sts\.windows\.net|login\.windows\.net|microsoftonline/i, "Microsoft Entra ID"],
  [/accounts\.google\.com|googleapis\.com/i, "Google Workspace"],
  [/onelogin\.com/i, "OneLogin"],
  [/jumpcloud\.com/i, "JumpCloud"],
  [/pingone\.|pingidentity\.com|\/idp\/SSO\.saml2|\/as\/authorization\.oauth2/i, "Ping Identity"],
  [/\/realms\/[^/]+\/protocol\/(saml|openid-connect)|\/realms\/[^/]+$|\/auth\/realms\//i, "Keycloak"],
  [/auth0\.com|^urn:[^:]+\.auth0\.com/i, "Auth0"],
  [/\/idp\/shibboleth|\/idp\/profile\/SAML2|shibboleth/i, "Shibboleth"],
];

export function detectProduct(values: (string | undefined)[], fallback: string): string {
  for (const [pattern, product] of RULES) {
    if (values.some((v) => v && pattern.test(v))) return product;
  }
  return fallback;
}
