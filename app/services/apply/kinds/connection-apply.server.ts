import { z } from "zod";
import type { Auth0Gateway, OwnedConnection } from "../../auth0/gateway.server";
import type { SystemOrgScope } from "../../identity/scope.server";
import { isSealed, openJson, sealJson, type SecretsKey } from "../../platform/secrets.server";
import { verifiedDomainNames } from "../../organizations/verified-domains.server";
import { defineJobKind, type JobStep } from "./job-kind";

/**
 * The "apply" kind: make the organization's connection what the job says — create or update it
 * (read–merge–write, never an older version over a newer), enable it for the applications, enable
 * it for the organization's Auth0 organization.
 *
 * The job holds the whole desired state of the connection, not a diff, so that running it again
 * (after a crash, a retry, or twice) lands in the same place.
 */
export const desiredApplySchema = z.object({
  connection: z.object({
    protocol: z.enum(["saml", "oidc"]),
    /** The staged `-test` connection (new versions, test application only) or the live one. */
    stage: z.enum(["test", "live"]).default("live"),
    /** Roll back: an earlier version written over a later one on purpose. */
    allowOlderVersion: z.boolean().default(false),
    strategy: z.enum(["samlp", "oidc"]),
    version: z.number().int().positive(),
    displayName: z.string().min(1).max(128),
    options: z.record(z.unknown()),
    managedOptionKeys: z.array(z.string()).optional(),
    showAsButton: z.boolean().optional(),
  }),
  /** Applications the connection must be enabled for. */
  enabledClients: z.array(z.string().min(1)).default([]),
  /** Applications it must not be enabled for (e.g. ones removed since the last version). */
  disabledClients: z.array(z.string().min(1)).default([]),
  /** Enable it for the organization's Auth0 organization with these settings; null: leave it out. */
  organization: z.object({ assignMembershipOnLogin: z.boolean(), showAsButton: z.boolean() }).nullable().default(null),
  /**
   * Write the organization's verified domains (read when the step runs) as `domain_aliases`, and
   * nothing else there: what the portal's own versions do. False: the options' own value, if any.
   */
  aliasVerifiedDomains: z.boolean().default(false),
});
export type DesiredApply = z.input<typeof desiredApplySchema>;

/**
 * Secrets a desired state may carry (OIDC client secret, SAML keys). They are sealed (AES-256-GCM
 * under SECRETS_KEY) in the queued row, opened by the worker just before they go to Auth0, and
 * dropped from the row once the job is done.
 */
export const SECRET_OPTION_PATHS = ["client_secret", "signing_key", "decryptionKey"] as const;

/** The options with every secret sealed; values already sealed are left as they are. */
export function sealSecretOptions(options: Record<string, unknown>, key: SecretsKey): Record<string, unknown> {
  const out = { ...options };
  for (const path of SECRET_OPTION_PATHS) {
    const value = out[path];
    if (value !== undefined && value !== null && !isSealed(value)) out[path] = sealJson(value, key);
  }
  return out;
}

/** The options with every sealed secret opened; throws SecretOpenError when one cannot be. */
export function openSecretOptions(options: Record<string, unknown>, key: SecretsKey): Record<string, unknown> {
  const out = { ...options };
  for (const path of SECRET_OPTION_PATHS) {
    const value = out[path];
    if (isSealed(value)) out[path] = openJson(value, key);
  }
  return out;
}

/** What one run of a connection job remembers between its steps. */
export interface ConnectionRunState {
  connectionId: string | null;
  /** The connection as read and checked by an earlier step of this run. */
  owned?: OwnedConnection;
}

export function connectionRunState(job: { connection_id: string | null }): ConnectionRunState {
  return { connectionId: job.connection_id };
}

/** The connection the job recorded, read and ownership-checked once per run. */
export async function ownedConnection(
  gateway: Auth0Gateway,
  scope: SystemOrgScope,
  state: ConnectionRunState,
  operation: string,
): Promise<OwnedConnection | undefined> {
  if (state.owned) return state.owned;
  if (!state.connectionId) return undefined;
  state.owned = await gateway.readOwnedConnection(scope, state.connectionId, operation);
  return state.owned;
}

async function recordedConnection(
  gateway: Auth0Gateway,
  scope: SystemOrgScope,
  state: ConnectionRunState,
  operation: string,
): Promise<OwnedConnection> {
  const c = await ownedConnection(gateway, scope, state, operation);
  if (!c) throw new Error("the connection step did not record a connection id");
  return c;
}

export const connectionApplySteps = [
  {
    name: "connection",
    async run({ gateway, scope, desired, state, secretsKey, db }) {
      // Opened only here, just before they go to Auth0; the row keeps them sealed.
      const connection = {
        ...desired.connection,
        options: openSecretOptions(desired.connection.options, secretsKey()),
      };
      if (desired.aliasVerifiedDomains) {
        // Only verified domains, as they are now (a domain verified later queues "domain-aliases").
        const domains = await verifiedDomainNames(db, scope.org.id);
        const { domain_aliases: _given, ...rest } = connection.options;
        connection.options = domains.length > 0 ? { ...rest, domain_aliases: domains } : rest;
        connection.managedOptionKeys = [...(connection.managedOptionKeys ?? []), "domain_aliases"];
      }
      const r = await gateway.upsertConnection(scope, connection);
      state.owned = r.connection;
      state.connectionId = r.connection.id;
      // A newer configuration is already live: this job has nothing left to say.
      return { connectionId: r.connection.id, stop: r.outcome === "newer-exists" };
    },
  },
  {
    name: "clients",
    async run({ gateway, scope, desired, state }) {
      const c = await recordedConnection(gateway, scope, state, "enable-clients");
      if (desired.enabledClients.length > 0) await gateway.setClients(scope, c, desired.enabledClients, true);
      if (desired.disabledClients.length > 0) await gateway.setClients(scope, c, desired.disabledClients, false);
    },
  },
  {
    name: "organization",
    async run({ gateway, scope, desired, state }) {
      if (!desired.organization || !scope.org.auth0OrgId) return;
      const c = await recordedConnection(gateway, scope, state, "enable-organization");
      await gateway.enableForOrganization(scope, c, desired.organization);
    },
  },
] satisfies JobStep<z.output<typeof desiredApplySchema>, ConnectionRunState>[];

export const connectionApply = defineJobKind({
  name: "apply",
  auditAction: "connection.apply",
  desired: desiredApplySchema,
  secretPaths: SECRET_OPTION_PATHS.map((k) => ["connection", "options", k]),
  start: connectionRunState,
  steps: connectionApplySteps,
});
