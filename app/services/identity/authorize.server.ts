import { orgRoleCan, supportRoleCan, type OrgPermission, type SupportPermission } from "./permissions";
import type { OrgScope, SupportScope } from "./scope.server";

/**
 * Services check the permission they need on the scope they were handed, whatever the route did
 * before: a route that forgot a guard role still cannot act beyond the scope's role.
 */
function denied(permission: string): Response {
  // A thrown Response: Remix answers it as is (403) from any loader or action that called the service.
  return new Response(`Your role does not allow this (${permission}). Ask an administrator of your organization.`, {
    status: 403,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

export function assertOrgPermission(scope: OrgScope, permission: OrgPermission): void {
  if (!orgRoleCan(scope.role, permission)) throw denied(permission);
}

export function assertSupportPermission(scope: SupportScope, permission: SupportPermission): void {
  if (!supportRoleCan(scope.role, permission)) throw denied(permission);
}
