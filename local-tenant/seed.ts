import { createHash } from "node:crypto";
import { hashPassword } from "./passwords.js";
import type { TenantClient, TenantState, TenantUser } from "./store.js";

/**
 * What a fresh local tenant holds. Ids are fixed so that the portal's local mode and the tests
 * know them without a handshake; secrets can be overridden from the environment.
 */

export const DEFAULT_DEMO_PASSWORD = "Demo-Password-2026";
export const DATABASE_CONNECTION_NAME = "Username-Password-Authentication";
export const DATABASE_CONNECTION_ID = "con_LocalDatabase0001";

export const MGMT_CLIENT_ID = "LocalMgmtClient0000000000000001";
export const PORTAL_CLIENT_ID = "LocalPortalApp00000000000000001";
export const TEST_LOGIN_CLIENT_ID = "LocalTestLoginApp00000000000001";
export const DEMO_APP_CLIENT_ID = "LocalDemoVendorApp0000000000001";

/** Every Management API scope the local tenant knows; the seeded M2M client gets all of them. */
export const MANAGEMENT_SCOPES = [
  "read:connections",
  "create:connections",
  "update:connections",
  "delete:connections",
  "read:connections_options",
  "update:connections_options",
  "read:clients",
  "read:client_keys",
  "update:clients",
  "read:organizations",
  "create:organizations",
  "update:organizations",
  "delete:organizations",
  "read:organization_connections",
  "create:organization_connections",
  "update:organization_connections",
  "delete:organization_connections",
  "read:organization_members",
  "create:organization_members",
  "read:users",
] as const;

export interface SeedOptions {
  /** Issuer base, e.g. http://localhost:4010 (no trailing slash). */
  baseUrl: string;
  /** Portal origin, e.g. http://localhost:3000: callbacks are derived from it. */
  portalUrl: string;
  tenant?: string;
  mgmtClientId?: string;
  mgmtClientSecret?: string;
  portalClientSecret?: string;
  testLoginClientSecret?: string;
  demoAppClientSecret?: string;
  demoPassword?: string;
}

export interface DemoUser {
  email: string;
  name: string;
  given_name: string;
  family_name: string;
}

/** The portal's demo people (their portal roles are seeded by the portal, not the tenant). */
export const DEMO_USERS: DemoUser[] = [
  { email: "alice@acme.test", name: "Alice Admin", given_name: "Alice", family_name: "Admin" },
  { email: "victor@acme.test", name: "Victor Viewer", given_name: "Victor", family_name: "Viewer" },
  { email: "bob@globex.test", name: "Bob Builder", given_name: "Bob", family_name: "Builder" },
  { email: "sam@vendor.test", name: "Sam Support", given_name: "Sam", family_name: "Support" },
  { email: "lena@vendor.test", name: "Lena Lead", given_name: "Lena", family_name: "Lead" },
];

export function demoUserId(email: string): string {
  // Stable, Auth0-shaped ids (auth0|<24 hex>) derived from the e-mail.
  const hex = Buffer.from(email).toString("hex").padEnd(24, "0").slice(0, 24);
  return `auth0|${hex}`;
}

/**
 * The demo users' password hash, made once per distinct password per process. scrypt costs
 * ~0.15 s a hash and many tests start a tenant: five hashes at every start were ~0.8 s of each
 * start. The demo users share one salt and hash, which says only that they share the password:
 * the documented demo password. Users made later (Management API, tests) get their own salt.
 * Keyed by the password's SHA-256 so the process does not keep the password itself.
 */
const seedHashes = new Map<string, string>();
function seedPasswordHash(password: string): string {
  const key = createHash("sha256").update(password).digest("hex");
  let hash = seedHashes.get(key);
  if (!hash) {
    hash = hashPassword(password);
    seedHashes.set(key, hash);
  }
  return hash;
}

export function seedState(opts: SeedOptions): TenantState {
  const now = new Date().toISOString();
  const portal = opts.portalUrl.replace(/\/$/, "");
  const clients: TenantClient[] = [
    {
      client_id: opts.mgmtClientId ?? MGMT_CLIENT_ID,
      client_secret: opts.mgmtClientSecret ?? "local-mgmt-secret-change-me-0000000000000000",
      name: "SSO Portal (Management API)",
      app_type: "non_interactive",
      callbacks: [],
      allowed_logout_urls: [],
      web_origins: [],
      grant_types: ["client_credentials"],
      client_grants: [{ audience: `${opts.baseUrl}/api/v2/`, scope: [...MANAGEMENT_SCOPES] }],
      is_first_party: true,
    },
    {
      client_id: PORTAL_CLIENT_ID,
      client_secret: opts.portalClientSecret ?? "local-portal-secret-change-me-00000000000000",
      name: "SSO Portal",
      app_type: "regular_web",
      callbacks: [`${portal}/auth/callback`],
      allowed_logout_urls: [`${portal}/`, `${portal}/signed-out`],
      web_origins: [portal],
      grant_types: ["authorization_code", "refresh_token"],
      client_grants: [],
      is_first_party: true,
    },
    {
      client_id: TEST_LOGIN_CLIENT_ID,
      client_secret: opts.testLoginClientSecret ?? "local-test-login-secret-change-me-0000000000",
      name: "SSO Portal test login",
      app_type: "regular_web",
      callbacks: [`${portal}/test-login/callback`],
      allowed_logout_urls: [`${portal}/`],
      web_origins: [portal],
      grant_types: ["authorization_code"],
      client_grants: [],
      is_first_party: true,
    },
    {
      // The vendor's own product, in miniature: people of a customer sign in through their
      // organization's live connection (the portal serves it at /demo-app in local mode).
      client_id: DEMO_APP_CLIENT_ID,
      client_secret: opts.demoAppClientSecret ?? "local-demo-app-secret-change-me-000000000000",
      name: "Demo vendor application",
      app_type: "regular_web",
      callbacks: [`${portal}/demo-app/callback`],
      allowed_logout_urls: [`${portal}/demo-app`],
      web_origins: [portal],
      grant_types: ["authorization_code"],
      client_grants: [],
      is_first_party: true,
    },
  ];
  const password = opts.demoPassword ?? DEFAULT_DEMO_PASSWORD;
  const users: TenantUser[] = DEMO_USERS.map((u) => ({
    user_id: demoUserId(u.email),
    connection: DATABASE_CONNECTION_NAME,
    email: u.email,
    email_verified: true,
    name: u.name,
    given_name: u.given_name,
    family_name: u.family_name,
    password_hash: seedPasswordHash(password),
    created_at: now,
    updated_at: now,
  }));
  return {
    version: 1,
    tenant: opts.tenant ?? "local",
    clients,
    connections: [
      {
        id: DATABASE_CONNECTION_ID,
        name: DATABASE_CONNECTION_NAME,
        display_name: DATABASE_CONNECTION_NAME,
        strategy: "auth0",
        options: { brute_force_protection: true, passwordPolicy: "good" },
        realms: [DATABASE_CONNECTION_NAME],
        is_domain_connection: false,
        show_as_button: false,
        metadata: {},
        enabled_clients: [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID],
        created_at: now,
      },
    ],
    organizations: [],
    users,
  };
}
