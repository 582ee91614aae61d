/**
 * For tests: what every real-tenant deployment must set (the portal's three Auth0 applications,
 * its secrets and its address), with placeholder values. A test spreads it and adds what it is about.
 */
export const REAL_TENANT_ENV: Readonly<Record<string, string>> = {
  AUTH0_DOMAIN: "acme.eu.auth0.com",
  SESSION_SECRET: "x".repeat(40),
  SECRETS_KEY: "ab".repeat(32),
  AUTH0_MGMT_CLIENT_ID: "m",
  AUTH0_MGMT_CLIENT_SECRET: "ms",
  AUTH0_PORTAL_CLIENT_ID: "p",
  AUTH0_PORTAL_CLIENT_SECRET: "ps",
  AUTH0_TEST_CLIENT_ID: "t",
  AUTH0_TEST_CLIENT_SECRET: "ts",
  PUBLIC_URL: "https://sso.example.com",
};
