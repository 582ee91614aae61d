import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { writePrivateFile } from "./private-file.js";

/**
 * The local tenant's state: plain JSON-able records shaped like Auth0's own objects, kept in
 * memory and written to `<dataDir>/tenant.json` after every change (atomic rename), so a
 * restart keeps connections. Without a dataDir (tests) the state lives and dies in memory.
 * The file holds the applications' client secrets: only its owner may read it (mode 0600).
 */

export type ApplicationType = "non_interactive" | "regular_web" | "spa" | "native";

export interface TenantClient {
  client_id: string;
  client_secret: string;
  name: string;
  app_type: ApplicationType;
  callbacks: string[];
  allowed_logout_urls: string[];
  web_origins: string[];
  grant_types: string[];
  /** Client-credentials grants: audience → scopes (only for machine-to-machine clients). */
  client_grants: { audience: string; scope: string[] }[];
  is_first_party: boolean;
}

export interface TenantConnection {
  id: string;
  name: string;
  display_name: string;
  strategy: string;
  options: Record<string, unknown>;
  realms: string[];
  is_domain_connection: boolean;
  show_as_button: boolean;
  metadata: Record<string, string | null>;
  /** Enabled client ids (managed through /connections/{id}/clients). */
  enabled_clients: string[];
  /** Connection purposes (Management API `authentication` / `connected_accounts`), when set. */
  authentication?: { active: boolean };
  connected_accounts?: { active: boolean; cross_app_access?: boolean };
  created_at: string;
}

export interface TenantOrganizationConnection {
  connection_id: string;
  assign_membership_on_login: boolean;
  is_signup_enabled: boolean;
  show_as_button: boolean;
}

export interface TenantOrganization {
  id: string;
  name: string;
  display_name: string;
  branding?: { logo_url?: string; colors?: { primary: string; page_background: string } };
  metadata: Record<string, string>;
  enabled_connections: TenantOrganizationConnection[];
  /** Auth0 user ids of members (local database users and brokered users). */
  members: string[];
  created_at: string;
}

export interface TenantUser {
  user_id: string;
  /** Name of the connection the user belongs to (database connection or enterprise connection). */
  connection: string;
  email: string;
  email_verified: boolean;
  name: string;
  given_name?: string;
  family_name?: string;
  /** scrypt hash `scrypt$<salt b64>$<hash b64>`; only for database users. */
  password_hash?: string;
  /** Raw attributes from an enterprise IdP (last login). */
  idp_attributes?: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface TenantState {
  version: 1;
  /** Tenant name: used in SAML entity ids `urn:auth0:<tenant>:<connection>`. */
  tenant: string;
  clients: TenantClient[];
  connections: TenantConnection[];
  organizations: TenantOrganization[];
  users: TenantUser[];
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random id in Auth0's shape: `con_` + 16 alphanumerics, `org_` + 16, 32-char client ids. */
export function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[bytes[i]! % ALNUM.length];
  return out;
}

export class TenantStore {
  readonly file: string | undefined;
  state: TenantState;

  constructor(initial: TenantState, dataDir?: string) {
    this.file = dataDir ? join(dataDir, "tenant.json") : undefined;
    if (this.file && existsSync(this.file)) {
      // Written before files were made private, it may be readable by others.
      chmodSync(this.file, 0o600);
      this.state = JSON.parse(readFileSync(this.file, "utf8")) as TenantState;
      // Applications seeded by a newer version (e.g. the demo vendor application) join old data.
      const missing = initial.clients.filter((c) => !this.client(c.client_id));
      if (missing.length) {
        this.state.clients.push(...structuredClone(missing));
        this.save();
      }
    } else {
      this.state = structuredClone(initial);
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      this.save();
    }
  }

  /** Persist after a change. Synchronous on purpose: a response is sent only after the write. */
  save(): void {
    if (!this.file) return;
    writePrivateFile(this.file, JSON.stringify(this.state, null, 2));
  }

  client(clientId: string): TenantClient | undefined {
    return this.state.clients.find((c) => c.client_id === clientId);
  }
  connectionById(id: string): TenantConnection | undefined {
    return this.state.connections.find((c) => c.id === id);
  }
  connectionByName(name: string): TenantConnection | undefined {
    return this.state.connections.find((c) => c.name === name);
  }
  organization(id: string): TenantOrganization | undefined {
    return this.state.organizations.find((o) => o.id === id);
  }
  organizationByName(name: string): TenantOrganization | undefined {
    return this.state.organizations.find((o) => o.name === name);
  }
  user(userId: string): TenantUser | undefined {
    return this.state.users.find((u) => u.user_id === userId);
  }
  userByEmail(connection: string, email: string): TenantUser | undefined {
    const lower = email.toLowerCase();
    return this.state.users.find((u) => u.connection === connection && u.email.toLowerCase() === lower);
  }
}
