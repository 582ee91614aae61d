import { isDeepStrictEqual } from "node:util";
import { recordAuditOf } from "../audit/audit.server";
import type { OrganizationScope } from "../identity/scope.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { createManagementClients, type ClientHooks, type ManagementClients } from "./client.server";
import { ConflictError, NotFoundError, NotOwnedError, toGatewayError, UnavailableError } from "./errors";
import { auth0OrganizationName, connectionName, type ConnectionProtocol, type ConnectionStage } from "./naming";
import {
  auth0OrganizationSchema,
  connectionSchema,
  enabledClientsPageSchema,
  organizationConnectionSchema,
  parseAnswer,
  UnexpectedAnswerError,
  type Auth0Connection,
  type Auth0Organization,
} from "./schemas";
import type { Executor } from "../platform/db.server";

/**
 * The Auth0 gateway: every Management API operation the portal makes, always for one
 * organization (the scope), always on that organization's own connection.
 *
 * Ownership lives in the connection's `metadata`: `portal_org` (the portal organization's id) and
 * `portal_version` (the configuration version last applied). Before every read–merge–write,
 * every change of the enabled applications or organization and every delete, the gateway has read
 * the connection and checked `portal_org`; a connection naming another organization — or none,
 * such as one made by hand in the dashboard with the same name — is refused, the refusal audited,
 * and never adopted.
 */

export const OWNER_KEY = "portal_org";
export const VERSION_KEY = "portal_version";
/** `test` (staged, for the test application only) or `live`. */
export const STAGE_KEY = "portal_stage";

/** A connection whose metadata was checked to name the scope's organization. */
export interface OwnedConnection {
  readonly id: string;
  readonly name: string;
  readonly strategy: string;
  readonly ownerOrgId: string;
  readonly version: number | null;
  readonly connection: Auth0Connection;
}

export interface DesiredConnection {
  protocol: ConnectionProtocol;
  /** The staged `-test` connection or the live one (default: live). */
  stage?: ConnectionStage;
  /** A roll back writes an earlier version over a later one on purpose. */
  allowOlderVersion?: boolean;
  strategy: "samlp" | "oidc";
  /** The configuration version (monotonic per organization); an older one never overwrites a newer. */
  version: number;
  displayName: string;
  /** The options the portal manages; every other key already on the connection is kept. */
  options: Record<string, unknown>;
  /** Keys the portal owns: those absent from `options` are removed. Default: the keys of `options`. */
  managedOptionKeys?: string[];
  showAsButton?: boolean;
}

export interface UpsertResult {
  connection: OwnedConnection;
  outcome: "created" | "updated" | "unchanged" | "newer-exists";
}

export interface OrganizationConnectionSettings {
  assignMembershipOnLogin: boolean;
  showAsButton: boolean;
}

/** Auth0 objects the portal refuses to touch when another organization (or nobody) owns them: how it says so. */
const NOT_OWNED = {
  connection: {
    auditAction: "connection.refused",
    nameDetail: "connectionName",
    noun: "Auth0 connection",
    unmanaged:
      "was not created by this portal; an Auth0 administrator must rename or delete it before this organization can use that name.",
  },
  organization: {
    auditAction: "auth0_organization.refused",
    nameDetail: "name",
    noun: "Auth0 organization",
    unmanaged: "was not created or linked by this portal.",
  },
} as const;

export interface GatewayOptions {
  tenant: TenantConfig;
  /** Connection name prefix (AUTH0_CONNECTION_PREFIX). */
  prefix: string;
  /** Where refusals are audited: pass the transaction the caller works in. */
  db: Executor;
  fetch?: typeof fetch;
  hooks?: ClientHooks;
  /** 429s retried in place after the tenant's reset before RateLimitedError is thrown (default 0). */
  rateLimitRetries?: number;
}

async function call<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof UnexpectedAnswerError) throw new UnavailableError(err.message);
    throw toGatewayError(err);
  }
}

/** As `call`, with null where Auth0 answers 404 (the object is not there). */
async function callOrNull<T>(op: () => Promise<T>): Promise<T | null> {
  try {
    return await call(op);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

export class Auth0Gateway {
  private readonly clients: ManagementClients;

  constructor(private readonly options: GatewayOptions) {
    this.clients = createManagementClients(options.tenant, {
      fetch: options.fetch,
      hooks: options.hooks,
      rateLimitRetries: options.rateLimitRetries,
    });
  }

  /** The same gateway auditing into another executor (e.g. the caller's transaction). */
  withDb(db: Executor): Auth0Gateway {
    return new Auth0Gateway({ ...this.options, db });
  }

  connectionName(scope: OrganizationScope, protocol: ConnectionProtocol, stage: ConnectionStage = "live"): string {
    return connectionName(this.options.prefix, scope.org.slug, protocol, stage);
  }

  /** The connection with exactly this name, owned or not; null when there is none. */
  async findConnectionByName(name: string): Promise<Auth0Connection | null> {
    return call(async () => {
      const page = await this.clients.connections.list({ name });
      const found = page.data.map((c) => parseAnswer(connectionSchema, c, "connection")).find((c) => c.name === name);
      return found ?? null;
    });
  }

  private async getConnection(id: string): Promise<Auth0Connection> {
    return call(async () => parseAnswer(connectionSchema, await this.clients.connections.get(id), "connection"));
  }

  /** Reads the connection and checks it belongs to the scope's organization (audits a refusal). */
  async readOwnedConnection(scope: OrganizationScope, id: string, operation: string): Promise<OwnedConnection> {
    return this.assertOwned(scope, await this.getConnection(id), operation);
  }

  private async assertOwned(scope: OrganizationScope, c: Auth0Connection, operation: string): Promise<OwnedConnection> {
    const meta = c.metadata ?? {};
    const owner = typeof meta[OWNER_KEY] === "string" ? (meta[OWNER_KEY] as string) : null;
    if (owner !== scope.org.id) {
      return this.refuseNotOwned(scope, "connection", c, operation, owner);
    }
    const versionText = meta[VERSION_KEY];
    const version = typeof versionText === "string" && /^\d+$/.test(versionText) ? Number(versionText) : null;
    return { id: c.id, name: c.name, strategy: c.strategy, ownerOrgId: owner, version, connection: c };
  }

  private checkHandle(scope: OrganizationScope, owned: OwnedConnection): void {
    if (owned.ownerOrgId !== scope.org.id) {
      throw new NotOwnedError("This connection was checked for another organization.", owned.id, owned.ownerOrgId);
    }
  }

  /**
   * Creates the organization's connection, or updates it by read–merge–write: Auth0 replaces
   * `options` whole on PATCH, so the current options are read, the portal's keys replaced and
   * everything else kept; `display_name` is always sent (Auth0 resets it to the name otherwise).
   */
  async upsertConnection(scope: OrganizationScope, desired: DesiredConnection): Promise<UpsertResult> {
    const stage = desired.stage ?? "live";
    const name = this.connectionName(scope, desired.protocol, stage);
    const metadata = { [OWNER_KEY]: scope.org.id, [VERSION_KEY]: String(desired.version), [STAGE_KEY]: stage };
    let existing = await this.findConnectionByName(name);
    if (!existing) {
      try {
        const created = await call(async () =>
          parseAnswer(
            connectionSchema,
            await this.clients.connections.create({
              name,
              strategy: desired.strategy,
              display_name: desired.displayName,
              options: desired.options,
              metadata,
              ...(desired.showAsButton !== undefined ? { show_as_button: desired.showAsButton } : {}),
            } as Parameters<ConnectionsClientCreate>[0]),
            "connection",
          ),
        );
        return { connection: await this.assertOwned(scope, created, "create"), outcome: "created" };
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        // Someone created it between our read and our write: read it and treat it as existing.
        existing = await this.findConnectionByName(name);
        if (!existing) throw err;
      }
    }
    const owned = await this.assertOwned(scope, existing, "update");
    if (owned.connection.strategy !== desired.strategy) {
      throw new ConflictError(
        `The connection "${name}" uses ${owned.connection.strategy}, not ${desired.strategy}; delete it before switching protocols.`,
      );
    }
    if (owned.version !== null && owned.version > desired.version && !desired.allowOlderVersion) {
      return { connection: owned, outcome: "newer-exists" };
    }
    const current = owned.connection.options ?? {};
    const managed = new Set([...(desired.managedOptionKeys ?? []), ...Object.keys(desired.options)]);
    const merged: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(current)) if (!managed.has(k)) merged[k] = v;
    Object.assign(merged, desired.options);
    const mergedMetadata = { ...(owned.connection.metadata ?? {}), ...metadata };
    const unchanged =
      owned.version === desired.version &&
      owned.connection.display_name === desired.displayName &&
      !("metadataXml" in desired.options) &&
      (desired.showAsButton === undefined || owned.connection.show_as_button === desired.showAsButton) &&
      isDeepStrictEqual(merged, current);
    if (unchanged) return { connection: owned, outcome: "unchanged" };
    const updated = await call(async () =>
      parseAnswer(
        connectionSchema,
        await this.clients.connections.update(owned.id, {
          display_name: desired.displayName,
          options: merged,
          metadata: mergedMetadata,
          ...(desired.showAsButton !== undefined ? { show_as_button: desired.showAsButton } : {}),
        } as Parameters<ConnectionsClientUpdate>[1]),
        "connection",
      ),
    );
    return { connection: await this.assertOwned(scope, updated, "update"), outcome: "updated" };
  }

  /**
   * The organization's connection for a protocol (the live one, or the staged `-test` one),
   * ownership checked, without an extra request: null when there is none (monitoring reads,
   * go-live's read of the tested configuration; writes go through upsertConnection).
   */
  async findOwnedConnection(
    scope: OrganizationScope,
    protocol: ConnectionProtocol,
    operation: string,
    stage: ConnectionStage = "live",
  ): Promise<OwnedConnection | null> {
    const found = await this.findConnectionByName(this.connectionName(scope, protocol, stage));
    return found ? this.assertOwned(scope, found, operation) : null;
  }

  /** How the connection is enabled for the scope's Auth0 organization; null when it is not. */
  async organizationConnection(
    scope: OrganizationScope,
    owned: OwnedConnection,
  ): Promise<OrganizationConnectionSettings | null> {
    this.checkHandle(scope, owned);
    const c = await callOrNull(async () =>
      parseAnswer(
        organizationConnectionSchema,
        await this.clients.organizationConnections.get(this.auth0OrgId(scope), owned.id),
        "organization connection",
      ),
    );
    if (!c) return null;
    return { assignMembershipOnLogin: c.assign_membership_on_login ?? false, showAsButton: c.show_as_button ?? true };
  }

  /** Client ids the connection is enabled for. */
  async enabledClients(scope: OrganizationScope, owned: OwnedConnection): Promise<string[]> {
    this.checkHandle(scope, owned);
    return call(async () => {
      const ids: string[] = [];
      let page = await this.clients.connections.clients.get(owned.id, { take: 1000 });
      for (;;) {
        ids.push(...parseAnswer(enabledClientsPageSchema, page.data, "client list").map((c) => c.client_id));
        if (!page.hasNextPage()) return ids;
        page = await page.getNextPage();
      }
    });
  }

  /**
   * Enables (or with `status: false` disables) the connection for applications, through
   * `PATCH /connections/{id}/clients` — a delta, so other applications stay as they are.
   */
  async setClients(
    scope: OrganizationScope,
    owned: OwnedConnection,
    clientIds: string[],
    status = true,
  ): Promise<void> {
    this.checkHandle(scope, owned);
    const unique = [...new Set(clientIds)];
    for (let i = 0; i < unique.length; i += 50) {
      const chunk = unique.slice(i, i + 50).map((client_id) => ({ client_id, status }));
      await call(() => this.clients.connections.clients.update(owned.id, chunk));
    }
  }

  /** Enables the connection for the scope's Auth0 organization (idempotent: updates if already there). */
  async enableForOrganization(
    scope: OrganizationScope,
    owned: OwnedConnection,
    settings: OrganizationConnectionSettings,
  ): Promise<"added" | "updated"> {
    this.checkHandle(scope, owned);
    const orgId = this.auth0OrgId(scope);
    const body = {
      assign_membership_on_login: settings.assignMembershipOnLogin,
      show_as_button: settings.showAsButton,
    };
    try {
      await call(async () =>
        parseAnswer(
          organizationConnectionSchema,
          await this.clients.organizationConnections.add(orgId, { connection_id: owned.id, ...body }),
          "organization connection",
        ),
      );
      return "added";
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
    await call(async () =>
      parseAnswer(
        organizationConnectionSchema,
        await this.clients.organizationConnections.update(orgId, owned.id, body),
        "organization connection",
      ),
    );
    return "updated";
  }

  /** Removes the connection from the scope's Auth0 organization; already gone is fine. */
  async disableForOrganization(scope: OrganizationScope, owned: OwnedConnection): Promise<void> {
    this.checkHandle(scope, owned);
    try {
      await call(() => this.clients.organizationConnections.delete(this.auth0OrgId(scope), owned.id));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** Disables the connection: off for the given applications and for the organization; it stays in the tenant. */
  async disableConnection(scope: OrganizationScope, owned: OwnedConnection, clientIds: string[]): Promise<void> {
    if (clientIds.length > 0) await this.setClients(scope, owned, clientIds, false);
    if (scope.org.auth0OrgId) await this.disableForOrganization(scope, owned);
  }

  /**
   * Sets the connection's `domain_aliases` (home-realm discovery) to exactly `domains`, by
   * read–merge–write: the connection is read again (the caller holds the tenant lock), every other
   * option and the version are kept. No domain: the key is removed. Nothing to change: no write.
   */
  async setDomainAliases(
    scope: OrganizationScope,
    owned: OwnedConnection,
    domains: string[],
  ): Promise<"updated" | "unchanged"> {
    this.checkHandle(scope, owned);
    const fresh = await this.readOwnedConnection(scope, owned.id, "domain-aliases");
    const current = fresh.connection.options ?? {};
    const merged: Record<string, unknown> = { ...current };
    if (domains.length > 0) merged.domain_aliases = [...domains];
    else delete merged.domain_aliases;
    if (isDeepStrictEqual(merged, current)) return "unchanged";
    await call(async () =>
      parseAnswer(
        connectionSchema,
        await this.clients.connections.update(owned.id, {
          display_name: fresh.connection.display_name ?? fresh.name,
          options: merged,
        } as Parameters<ConnectionsClientUpdate>[1]),
        "connection",
      ),
    );
    return "updated";
  }

  /** Deletes the connection (Auth0 also drops it from every organization). */
  async deleteConnection(scope: OrganizationScope, owned: OwnedConnection): Promise<void> {
    this.checkHandle(scope, owned);
    await call(() => this.clients.connections.delete(owned.id));
  }

  /** The name of the scope's Auth0 organization: `<prefix>-<slug>`. */
  organizationName(scope: OrganizationScope): string {
    return auth0OrganizationName(this.options.prefix, scope.org.slug);
  }

  private async getOrganization(id: string): Promise<Auth0Organization | null> {
    return callOrNull(async () =>
      parseAnswer(auth0OrganizationSchema, await this.clients.organizations.get(id), "organization"),
    );
  }

  /** Refuses (and audits) an Auth0 organization whose metadata names another portal organization, or none. */
  private async assertOwnsOrganization(
    scope: OrganizationScope,
    org: Auth0Organization,
    operation: string,
  ): Promise<Auth0Organization> {
    const owner = org.metadata?.[OWNER_KEY] ?? null;
    if (owner === scope.org.id) return org;
    return this.refuseNotOwned(scope, "organization", org, operation, owner);
  }

  /**
   * Audits the refusal to touch an Auth0 object that `owner` (another portal organization, or
   * null: none) owns, and throws the NotOwnedError that tells the user why.
   */
  private async refuseNotOwned(
    scope: OrganizationScope,
    kind: keyof typeof NOT_OWNED,
    object: { id: string; name: string },
    operation: string,
    owner: string | null,
  ): Promise<never> {
    const refused = NOT_OWNED[kind];
    await recordAuditOf(this.options.db, scope, {
      action: refused.auditAction,
      target: object.id,
      outcome: "denied",
      details: {
        operation,
        [refused.nameDetail]: object.name,
        reason: owner ? "owned by another organization" : "not managed by the portal",
      },
    });
    throw new NotOwnedError(
      owner
        ? `The ${refused.noun} "${object.name}" belongs to another organization; the portal will not change it.`
        : `An ${refused.noun} named "${object.name}" already exists and ${refused.unmanaged}`,
      object.id,
      owner,
    );
  }

  /**
   * Creates the scope's Auth0 organization (named `<prefix>-<slug>`, its metadata naming the portal
   * organization), or finds the one an earlier attempt created: safe to repeat.
   */
  async ensureOrganization(scope: OrganizationScope, displayName: string): Promise<Auth0Organization> {
    const name = this.organizationName(scope);
    const existing = await this.findOrganizationByName(name);
    if (existing) return this.assertOwnsOrganization(scope, existing, "create");
    try {
      return await call(async () =>
        parseAnswer(
          auth0OrganizationSchema,
          await this.clients.organizations.create({
            name,
            display_name: displayName,
            metadata: { [OWNER_KEY]: scope.org.id },
          }),
          "organization",
        ),
      );
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const raced = await this.findOrganizationByName(name);
      if (!raced) throw err;
      return this.assertOwnsOrganization(scope, raced, "create");
    }
  }

  async findOrganizationByName(name: string): Promise<Auth0Organization | null> {
    return callOrNull(async () =>
      parseAnswer(auth0OrganizationSchema, await this.clients.organizations.getByName(name), "organization"),
    );
  }

  /**
   * Links an existing Auth0 organization to the scope's: its metadata gets `portal_org`. One that
   * names another portal organization is refused; one already linked here is fine (a repeat).
   */
  async linkOrganization(scope: OrganizationScope, id: string): Promise<Auth0Organization> {
    const org = await this.getOrganization(id);
    if (!org) throw new NotFoundError(`There is no Auth0 organization ${id}.`);
    const owner = org.metadata?.[OWNER_KEY] ?? null;
    if (owner === scope.org.id) return org;
    if (owner) return this.assertOwnsOrganization(scope, org, "link");
    return call(async () =>
      parseAnswer(
        auth0OrganizationSchema,
        await this.clients.organizations.update(id, { metadata: { [OWNER_KEY]: scope.org.id } }),
        "organization",
      ),
    );
  }

  /** Renames (display name) the scope's own Auth0 organization; gone: nothing to do. */
  async renameOrganization(scope: OrganizationScope, id: string, displayName: string): Promise<void> {
    const org = await this.getOrganization(id);
    if (!org) return;
    await this.assertOwnsOrganization(scope, org, "rename");
    if (org.display_name === displayName) return;
    await call(() => this.clients.organizations.update(id, { display_name: displayName }));
  }

  /** Deletes the scope's own Auth0 organization; already gone is fine. */
  async deleteOrganization(scope: OrganizationScope, id: string): Promise<void> {
    const org = await this.getOrganization(id);
    if (!org) return;
    await this.assertOwnsOrganization(scope, org, "delete");
    try {
      await call(() => this.clients.organizations.delete(id));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** Leaves the Auth0 organization in the tenant, no longer the portal's: `portal_org` removed. */
  async detachOrganization(scope: OrganizationScope, id: string): Promise<void> {
    const org = await this.getOrganization(id);
    if (!org || (org.metadata?.[OWNER_KEY] ?? null) === null) return;
    await this.assertOwnsOrganization(scope, org, "detach");
    await call(() => this.clients.organizations.update(id, { metadata: { [OWNER_KEY]: null } }));
  }

  /**
   * The profile of a user of one of the organization's own connections (a test login's user):
   * the user id names the connection (`samlp|<name>|…`, `oidc|<name>|…`), and only ids of the
   * scope's connections are read — never anybody else's users.
   */
  async readConnectionUser(
    scope: OrganizationScope,
    owned: OwnedConnection,
    userId: string,
  ): Promise<Record<string, unknown>> {
    this.checkHandle(scope, owned);
    const [provider, connection] = userId.split("|");
    if (connection !== owned.name || (provider !== "samlp" && provider !== "oidc")) {
      throw new NotOwnedError(`The user ${userId} does not belong to the connection ${owned.name}.`, owned.id, null);
    }
    return call(async () => {
      const user = (await this.clients.users.get(userId)) as unknown;
      if (!user || typeof user !== "object")
        throw new UnexpectedAnswerError("Auth0 answered a user read without a user");
      return user as Record<string, unknown>;
    });
  }

  private auth0OrgId(scope: OrganizationScope): string {
    if (!scope.org.auth0OrgId) {
      throw new NotFoundError(
        `The organization "${scope.org.slug}" has no Auth0 organization to enable the connection for.`,
      );
    }
    return scope.org.auth0OrgId;
  }
}

type ConnectionsClientCreate = ManagementClients["connections"]["create"];
type ConnectionsClientUpdate = ManagementClients["connections"]["update"];
