import type { OrgRole } from "../platform/db/schema";

/**
 * Typed permissions: what a role may do, in one table. Guards and services check these on the
 * server; the UI asks the same function only to hide what the server would refuse anyway.
 */
/** Same union as scope.server's SupportRole; repeated so UI code need not import a .server module. */
export type SupportRole = "support_agent" | "support_admin";

export type OrgPermission =
  | "org:read"
  | "org:members:read"
  | "org:members:manage"
  | "org:invitations:read"
  | "org:invitations:manage"
  | "org:audit:read"
  | "org:domains:read"
  | "org:domains:manage"
  | "org:sso:read"
  | "org:sso:manage"
  | "org:sso:test"
  | "org:sso:go-live";

export type SupportPermission =
  | "support:orgs:read"
  | "support:audit:read"
  | "support:invitations:read"
  | "support:invitations:manage"
  | "support:orgs:create"
  | "support:domains:verify"
  | "support:connections:disable"
  | "support:jobs:read"
  | "support:jobs:run"
  | "support:api-keys:manage"
  | "support:changes:review"
  | "support:policies:manage"
  | "support:drift:resolve";

export type Permission = OrgPermission | SupportPermission;

const ORG_ROLE_PERMISSIONS: Record<OrgRole, readonly OrgPermission[]> = {
  org_viewer: ["org:read", "org:members:read", "org:domains:read", "org:sso:read"],
  org_admin: [
    "org:read",
    "org:members:read",
    "org:members:manage",
    "org:invitations:read",
    "org:invitations:manage",
    "org:audit:read",
    "org:domains:read",
    "org:domains:manage",
    "org:sso:read",
    "org:sso:manage",
    "org:sso:test",
    "org:sso:go-live",
  ],
};

const SUPPORT_ROLE_PERMISSIONS: Record<SupportRole, readonly SupportPermission[]> = {
  support_agent: [
    "support:orgs:read",
    "support:audit:read",
    "support:invitations:read",
    "support:jobs:read",
    "support:changes:review",
  ],
  support_admin: [
    "support:orgs:read",
    "support:audit:read",
    "support:invitations:read",
    "support:invitations:manage",
    "support:orgs:create",
    "support:domains:verify",
    "support:connections:disable",
    "support:jobs:read",
    "support:jobs:run",
    "support:api-keys:manage",
    "support:changes:review",
    "support:policies:manage",
    "support:drift:resolve",
  ],
};

export function orgRoleCan(role: OrgRole, permission: OrgPermission): boolean {
  return ORG_ROLE_PERMISSIONS[role].includes(permission);
}

export function supportRoleCan(role: SupportRole, permission: SupportPermission): boolean {
  return SUPPORT_ROLE_PERMISSIONS[role].includes(permission);
}

/** Role order for "at least this role" checks. */
const ORG_RANK: Record<OrgRole, number> = { org_viewer: 1, org_admin: 2 };
const SUPPORT_RANK: Record<SupportRole, number> = { support_agent: 1, support_admin: 2 };

export const orgRoleAtLeast = (role: OrgRole, needed: OrgRole) => ORG_RANK[role] >= ORG_RANK[needed];
export const supportRoleAtLeast = (role: SupportRole, needed: SupportRole) =>
  SUPPORT_RANK[role] >= SUPPORT_RANK[needed];

export const ORG_ROLE_LABEL: Record<OrgRole, string> = { org_admin: "Administrator", org_viewer: "Viewer" };
export const SUPPORT_ROLE_LABEL: Record<SupportRole, string> = {
  support_agent: "Support agent",
  support_admin: "Support lead",
};

export function isOrgRole(value: unknown): value is OrgRole {
  return value === "org_admin" || value === "org_viewer";
}
