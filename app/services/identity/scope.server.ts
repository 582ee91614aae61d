import type { OrgRole } from "../platform/db/schema";

/**
 * Scopes are values. A guard (requireOrgMember, requireSupport) returns one after checking the
 * session; services take it as their first argument, so code that never went through a guard
 * cannot call them. The organization inside a scope always comes from the database (the
 * session's memberships), never from a raw id in a URL or form.
 */

export interface ScopedUser {
  id: string;
  email: string;
  name: string | null;
}

export interface ScopedOrganization {
  id: string;
  slug: string;
  name: string;
  auth0OrgId: string | null;
}

export interface OrgScope {
  kind: "org";
  user: ScopedUser;
  org: ScopedOrganization;
  role: OrgRole;
}

export type SupportRole = "support_agent" | "support_admin";

export interface SupportScope {
  kind: "support";
  user: ScopedUser;
  role: SupportRole;
}

/** Background work (the apply worker, scheduled jobs) acting for one organization. */
export interface SystemOrgScope {
  kind: "system";
  actor: string;
  org: ScopedOrganization;
}

/** Anything that may act on one organization's own resources. */
export type OrganizationScope = OrgScope | SystemOrgScope;

/**
 * A machine caller of /api/v1 holding an API key that a support lead created: for every
 * organization (`organization` null) or for one. Cookies never make one: only the key does.
 */
export interface ApiKeyScope {
  kind: "api";
  keyId: string;
  /** Who, in words, for audit rows: `api key "<name>" (<prefix>…)`. */
  actor: string;
  organization: ScopedOrganization | null;
}
