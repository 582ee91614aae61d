import type { TenantConnection, TenantOrganization, TenantStore } from "../store.js";

/**
 * The `organization` parameter of /authorize: an organization id (or name), which the connection
 * used must be enabled for, and which the user must belong to unless the organization's
 * connection assigns membership on login. Errors go back to the application as
 * `error=invalid_request` / `access_denied` with an `error_description`.
 */

export class LoginError extends Error {
  constructor(
    readonly error: "invalid_request" | "access_denied" | "unauthorized_client" | "server_error",
    readonly description: string,
  ) {
    super(description);
  }
}

export function resolveOrganization(store: TenantStore, param: unknown): TenantOrganization | undefined {
  if (param === undefined || param === null || param === "") return undefined;
  const value = String(param);
  const org = value.startsWith("org_") ? store.organization(value) : store.organizationByName(value);
  // Auth0 (guess at the wording): an unknown organization ends the login at the callback.
  if (!org) throw new LoginError("invalid_request", `parameter organization is invalid: ${value}`);
  return org;
}

export function checkConnectionForOrganization(org: TenantOrganization, connection: TenantConnection): void {
  if (!org.enabled_connections.some((c) => c.connection_id === connection.id)) {
    throw new LoginError(
      "invalid_request",
      `the connection ${connection.name} is not enabled for the organization ${org.name}`,
    );
  }
}

/** Checks (and, with assign_membership_on_login, grants) membership; saves the store if changed. */
export function admitToOrganization(
  store: TenantStore,
  org: TenantOrganization,
  connection: TenantConnection,
  userId: string,
): void {
  checkConnectionForOrganization(org, connection);
  if (org.members.includes(userId)) return;
  const link = org.enabled_connections.find((c) => c.connection_id === connection.id);
  if (link?.assign_membership_on_login) {
    org.members.push(userId);
    store.save();
    return;
  }
  throw new LoginError("access_denied", `user ${userId} is not a member of the organization ${org.name}`);
}

/** A connection may be used by an application only when enabled for it (/connections/{id}/clients). */
export function checkConnectionForClient(connection: TenantConnection, clientId: string): void {
  if (!connection.enabled_clients.includes(clientId)) {
    throw new LoginError("invalid_request", "the connection was disabled");
  }
}
