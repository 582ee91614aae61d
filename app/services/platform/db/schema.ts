import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Table types, written by hand beside the migrations that create them: every table, here and only here. */

/** Read as Date; optional on insert (columns with a default), settable on update. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown>, string | Record<string, unknown>>;

export type OrgRole = "org_admin" | "org_viewer";

export interface OrganizationsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  /** The Auth0 Organization id (org_…) when the tenant uses Auth0 Organizations. */
  auth0_org_id: string | null;
  created_at: Timestamp;
  status: ColumnType<OrganizationStatus, OrganizationStatus | undefined, OrganizationStatus>;
  status_changed_at: Timestamp | null;
}

export type OrganizationStatus = "active" | "suspended" | "removing" | "removed";

export interface UsersTable {
  id: Generated<string>;
  /** The tenant's subject (`sub`), e.g. auth0|64f… */
  sub: string | null;
  email: string;
  name: string | null;
  created_at: Timestamp;
  last_login_at: Timestamp | null;
}

export interface MembershipsTable {
  user_id: string;
  organization_id: string;
  role: OrgRole;
  created_at: Timestamp;
}

export interface SessionsTable {
  /** SHA-256 of the random id the cookie carries: a database leak gives no usable cookie. */
  id_hash: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
  /** Small facts from sign-in (the vendor role read from a claim); no tokens. */
  data: Json;
}

export interface AuditEventsTable {
  id: Generated<string>;
  occurred_at: Timestamp;
  actor_user_id: string | null;
  /** Who, in words, also when no user is known (e.g. "anonymous", "apply-worker"). */
  actor_label: string;
  organization_id: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "denied" | "failure";
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Json;
}

/** One row per actor, route and hour of refused requests by people outside an organization (support only). */
export interface SecurityEventsTable {
  id: Generated<string>;
  hour: Timestamp;
  actor_key: string;
  actor_user_id: string | null;
  actor_label: string;
  route: string;
  organization_id: string | null;
  action: string;
  status: number;
  reason: string;
  count: Generated<number>;
  first_at: Timestamp;
  last_at: Timestamp;
  last_ip: string | null;
  last_request_id: string | null;
}

export interface InvitationsTable {
  id: Generated<string>;
  /** SHA-256 (hex) of the token in the link; the token itself is never stored. */
  token_hash: string;
  organization_id: string;
  role: OrgRole;
  created_by_user_id: string | null;
  created_by_label: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  max_uses: number;
  uses: Generated<number>;
  revoked_at: Timestamp | null;
  revoked_by_label: string | null;
  note: string | null;
}

export interface InvitationAcceptancesTable {
  invitation_id: string;
  user_id: string;
  accepted_at: Timestamp;
}

export type ConnectionDraftState = "draft" | "submitted";

/** Migration 005: one SSO draft per organization (app/services/connections/drafts.server.ts). */
export interface ConnectionDraftsTable {
  organization_id: string;
  protocol: "saml" | "oidc";
  idp: string;
  configuration: Json;
  report: Json;
  source: Json;
  state: ColumnType<ConnectionDraftState, ConnectionDraftState | undefined, ConnectionDraftState>;
  version: ColumnType<number, number | undefined, number>;
  author_user_id: string | null;
  author_label: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Migration 005: one administrator's place in the SSO setup wizard (setup-progress.server.ts). */
export interface ConnectionSetupProgressTable {
  organization_id: string;
  user_id: string;
  input: Json;
  report: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** The draft version the administrator started from (null: there was no draft). */
  draft_version: number | null;
  updated_at: Timestamp;
}

export interface OrganizationDomainsTable {
  id: Generated<string>;
  organization_id: string;
  /** Lower-case ASCII (IDNA) form, e.g. acme.com or xn--bcher-kva.example. */
  domain: string;
  /** The value the TXT record `_sso-portal-verification.<domain>` must hold. */
  token: string;
  created_at: Timestamp;
  created_by_label: string;
  verified_at: Timestamp | null;
  verified_by_label: string | null;
  verification_method: "dns" | "manual" | null;
  manual_reason: string | null;
  last_checked_at: Timestamp | null;
  last_check_error: string | null;
  /** Scheduled re-checks in a row that found the verified domain's record gone (migration 014). */
  recheck_failures: Generated<number>;
  recheck_failing_since: Timestamp | null;
  /** When a verified domain lost its verification (record gone past the grace rule), and why. */
  verification_lost_at: Timestamp | null;
  verification_lost_reason: string | null;
}

export interface ScheduledJobsTable {
  /** The job's name in code, e.g. "certificate-expiry". */
  name: string;
  period_seconds: number;
  /** Due from then on; moved on only when a run finishes. */
  next_run_at: Timestamp;
  /** The runner holding the lease, and until when. */
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_started_at: Timestamp | null;
  last_finished_at: Timestamp | null;
  last_outcome: "succeeded" | "failed" | null;
  last_error: string | null;
  /** What the last run did, in words ("3 reminders sent"). */
  last_summary: string | null;
  last_duration_ms: number | null;
  runs: Generated<number>;
  failures: Generated<number>;
  /** A support lead's e-mail after "Run now", until the run starts. */
  run_requested_by: string | null;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  /** The key's first characters, to tell keys apart (never enough to use). */
  prefix: string;
  /** SHA-256 (hex) of the key; the key itself is shown once and never stored. */
  key_hash: string;
  /** null: the key acts for every organization. */
  organization_id: string | null;
  created_by_user_id: string | null;
  created_by_label: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by_label: string | null;
  last_used_at: Timestamp | null;
  last_used_ip: string | null;
  window_started_at: Timestamp;
  window_count: Generated<number>;
}

export type ChangeState =
  "draft" | "pending_review" | "approved" | "applying" | "applied" | "failed" | "rejected" | "withdrawn" | "superseded";
export type RiskLevel = "low" | "medium" | "high";

export interface ChangeRequestsTable {
  id: Generated<string>;
  organization_id: string;
  protocol: "saml" | "oidc";
  /** The normalized desired configuration; never a secret in clear (see secret_changed). */
  desired: Json;
  report: Json;
  verdict: "ok" | "warn" | "error";
  /** What changed against the base, in one line ("Signing certificate added"). */
  summary: string;
  secret_changed: Generated<boolean>;
  base_change_id: string | null;
  base_version: number | null;
  restored_version: number | null;
  state: Generated<ChangeState>;
  risk: RiskLevel;
  policy_rule: string;
  policy_reason: string;
  author_user_id: string | null;
  author_label: string;
  reviewer_user_id: string | null;
  reviewer_label: string | null;
  reviewed_at: Timestamp | null;
  /** Why it was rejected (required then). */
  reason: string | null;
  /** The organization's version number, given when the change is approved. */
  version: number | null;
  apply_job_id: string | null;
  apply_error: string | null;
  apply_retryable: boolean | null;
  created_at: Timestamp;
  submitted_at: Timestamp | null;
  updated_at: Timestamp;
  applied_at: Timestamp | null;
}

export interface ChangePoliciesTable {
  id: number;
  auto_approve_certificate_rotation: boolean;
  auto_approve_trusted_organizations: boolean;
  auto_approve_restore_previous: boolean;
  updated_by_label: string | null;
  updated_at: Timestamp;
}

export interface TrustedOrganizationsTable {
  organization_id: string;
  marked_by_label: string;
  marked_at: Timestamp;
}

export type OutboxStatus = "queued" | "sending" | "sent" | "dead";

export interface OutboxMessagesTable {
  id: Generated<string>;
  /** One message per event and recipient: queuing the same one again does nothing. */
  dedupe_key: string;
  to_address: string;
  to_user_id: string | null;
  organization_id: string | null;
  kind: string;
  subject: string;
  text_body: string;
  html_body: string;
  link: string;
  status: Generated<OutboxStatus>;
  /** "smtp" or "outbox" (local mode: the outbox page is the mailbox). */
  delivered_via: string | null;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export type DriftStatus = "in_sync" | "drifted" | "missing" | "error";
export type MetadataStatus = "unchanged" | "rotated" | "changed" | "unreachable" | "invalid";

/** One field where Auth0 differs from the last applied version. */
export interface DriftField {
  /** The Auth0 connection it was found on (the live one or the staged `-test` one; ADR 009). */
  connection?: string;
  /** e.g. "options.signInEndpoint", "display_name", "enabled_clients", "organization.show_as_button" */
  field: string;
  ours: unknown;
  auth0: unknown;
}

/** Migration 010: what the monitoring jobs last found per organization (app/services/monitoring/). */
export interface OrganizationHealthTable {
  organization_id: string;
  cert_not_after: Timestamp | null;
  cert_fingerprint: string | null;
  cert_version: number | null;
  cert_checked_at: Timestamp | null;
  drift_status: DriftStatus | null;
  drift_fields: ColumnType<DriftField[], string | undefined, string>;
  drift_version: number | null;
  drift_error: string | null;
  drift_checked_at: Timestamp | null;
  metadata_url: string | null;
  metadata_status: MetadataStatus | null;
  metadata_error: string | null;
  metadata_etag: string | null;
  metadata_last_modified: string | null;
  metadata_fingerprints: ColumnType<string[], string | undefined, string>;
  metadata_checked_at: Timestamp | null;
  /** An OIDC connection's key set (jwks_uri): its validators for the next conditional request (migration 015). */
  jwks_etag: string | null;
  jwks_last_modified: string | null;
  updated_at: Timestamp;
}

/** Migration 002-apply-jobs (and 007-apply-job-kinds): the apply engine's queue and rate budget. */
export type ApplyJobStatus = "queued" | "running" | "succeeded" | "failed" | "dead";
/** A kind registered in app/services/apply/kinds/registry.server.ts ("apply", "remove", …). */
export type ApplyJobKind = string;

export interface ApplyJobsTable {
  id: Generated<string>;
  organization_id: string;
  kind: ApplyJobKind;
  version: number;
  desired: ColumnType<unknown, string, string>;
  status: Generated<ApplyJobStatus>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  next_run_at: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  steps_done: ColumnType<string[], string | undefined, string>;
  connection_id: string | null;
  last_error: string | null;
  error_kind: string | null;
  rate_limited: Generated<number>;
  requested_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface ApplyRateBudgetTable {
  tenant: string;
  tokens: number;
  capacity: number;
  refill_per_second: number;
  updated_at: Timestamp;
}

export type TestLoginStatus = "pending" | "passed" | "failed";

export interface TestLoginsTable {
  id: Generated<string>;
  organization_id: string;
  protocol: "saml" | "oidc";
  connection_name: string;
  /** The configuration version staged on the `-test` connection when the test started. */
  version: number;
  started_by: string | null;
  started_by_label: string;
  started_at: Timestamp;
  status: Generated<TestLoginStatus>;
  finished_at: Timestamp | null;
  /** The Auth0 user id of whoever signed in (never a token). */
  subject: string | null;
  claims: Json | null;
  attributes: Json | null;
  checks: ColumnType<unknown[] | null, string | null, string | null>;
  error: string | null;
  error_description: string | null;
  cause: string | null;
}

export type LiveEventAction = "go-live" | "roll-back" | "disable" | "enable";

export interface LiveEventsTable {
  id: Generated<string>;
  organization_id: string;
  protocol: "saml" | "oidc";
  action: LiveEventAction;
  version: number;
  test_login_id: string | null;
  /** The connection written to the live one (secrets sealed), for a later roll back. */
  desired: Json | null;
  job_id: string | null;
  actor_user_id: string | null;
  actor_label: string;
  reason: string | null;
  created_at: Timestamp;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  security_events: SecurityEventsTable;
  invitations: InvitationsTable;
  invitation_acceptances: InvitationAcceptancesTable;
  organization_domains: OrganizationDomainsTable;
  connection_drafts: ConnectionDraftsTable;
  connection_setup_progress: ConnectionSetupProgressTable;
  scheduled_jobs: ScheduledJobsTable;
  organization_health: OrganizationHealthTable;
  api_keys: ApiKeysTable;
  change_requests: ChangeRequestsTable;
  change_policies: ChangePoliciesTable;
  trusted_organizations: TrustedOrganizationsTable;
  outbox_messages: OutboxMessagesTable;
  apply_jobs: ApplyJobsTable;
  apply_rate_budget: ApplyRateBudgetTable;
  test_logins: TestLoginsTable;
  live_events: LiveEventsTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type Invitation = Selectable<InvitationsTable>;
export type OrganizationDomain = Selectable<OrganizationDomainsTable>;
export type ScheduledJobRow = Selectable<ScheduledJobsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type ApplyJob = Selectable<ApplyJobsTable>;
export type ChangeRequestRow = Selectable<ChangeRequestsTable>;
export type OutboxMessage = Selectable<OutboxMessagesTable>;
export type TestLogin = Selectable<TestLoginsTable>;
export type LiveEvent = Selectable<LiveEventsTable>;
