import { orgRoleCan, supportRoleCan, type OrgPermission, type SupportPermission } from "./auth/permissions";
import type { OrgScope, SupportScope } from "./scope.server";

/**
 * Services check the permission they need on the scope they were handed, whatever the route did
 * before: a route that forgot a guard role still cannot act beyond the scope's role.
 */
export class PermissionDenied extends Error {
  readonly status = 403;
  constructor(readonly permission: string) {
    super(`Your role does not allow this (${permission}).`);
    this.name = "PermissionDenied";
  }
}

export function assertOrgPermission(scope: OrgScope, permission: OrgPermission): void {
  if (!orgRoleCan(scope.role, permission)) throw new PermissionDenied(permission);
}

export function assertSupportPermission(scope: SupportScope, permission: SupportPermission): void {
  if (!supportRoleCan(scope.role, permission)) throw new PermissionDenied(permission);
}
