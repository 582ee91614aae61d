import { sql, type Kysely } from "kysely";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import type { OrganizationScope, SupportScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import { compiledStatementsByShape } from "../platform/db/compiled-statement.server";
import type { ChangeRequestRow, ChangeState, Database } from "../platform/db/schema";
import { newestOrganizationRows, organizationRow } from "../platform/db/row-queries.server";
import { liveEvents, liveVersionFrom } from "../go-live/stages.server";
import { readApplyProgress, type ApplyProgress } from "./apply-progress.server";
import { diffConnections, type DiffRow } from "./diff";
import { parseDesired } from "./desired";
import { normalizeChange } from "./moves.server";
import { CHANGE_STATES } from "./states";

/** What the pages read: always through a scope; another organization's change is simply absent. */

export const QUEUE_PAGE_SIZE = 25;

export interface QueueFilters {
  /** Default: waiting for review. "all": every state. */
  state?: ChangeState | "all";
  /** An organization's slug. */
  org?: string;
  /** Cursor from the previous page: the last row's submitted_at and id. */
  after?: string | null;
}

export interface QueueRow {
  id: string;
  orgSlug: string;
  orgName: string;
  author: string;
  submittedAt: Date;
  state: ChangeState;
  risk: ChangeRequestRow["risk"];
  verdict: ChangeRequestRow["verdict"];
  summary: string;
  policyRule: string;
}

export interface QueuePage {
  rows: QueueRow[];
  next: string | null;
}

export function isChangeState(value: unknown): value is ChangeState {
  return typeof value === "string" && (CHANGE_STATES as readonly string[]).includes(value);
}

function encodeCursor(submittedAt: Date, id: string): string {
  return `${submittedAt.toISOString()}_${id}`;
}

function decodeCursor(cursor: string | null | undefined): { at: Date; id: string } | null {
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_(\d{1,18})$/.exec(cursor ?? "");
  if (!m) return null;
  const at = new Date(m[1]!);
  return Number.isNaN(at.getTime()) ? null : { at, id: m[2]! };
}

/** Which filters a queue page applies: each combination is a statement of its own shape. */
interface QueueShape {
  byState: boolean;
  byOrganization: boolean;
  after: boolean;
}

interface QueueParams {
  state: ChangeState | null;
  organizationId: string | null;
  afterAt: Date | null;
  afterId: string | null;
  limit: number;
}

function queueQuery(db: Kysely<Database>, p: QueueParams, shape: QueueShape) {
  let q = db
    .selectFrom("change_requests")
    .innerJoin("organizations", "organizations.id", "change_requests.organization_id")
    .select([
      "change_requests.id",
      "organizations.slug",
      "organizations.name",
      "change_requests.author_label",
      "change_requests.submitted_at",
      "change_requests.state",
      "change_requests.risk",
      "change_requests.verdict",
      "change_requests.summary",
      "change_requests.policy_rule",
    ])
    .where("change_requests.submitted_at", "is not", null)
    .orderBy("change_requests.submitted_at")
    .orderBy("change_requests.id")
    .limit(p.limit);
  if (shape.byState) q = q.where("change_requests.state", "=", p.state!);
  if (shape.byOrganization) q = q.where("change_requests.organization_id", "=", p.organizationId!);
  if (shape.after) {
    q = q.where(
      sql<boolean>`(change_requests.submitted_at, change_requests.id) > (${p.afterAt}, ${p.afterId}::bigint)`,
    );
  }
  return q;
}

/** Compiled once per shape: support's queue page reads it on every view. */
const queueStatement = compiledStatementsByShape("change queue", queueQuery);

/**
 * Support's queue: oldest first, keyset-paged on (submitted_at, id) so page 400 costs what page 1
 * does; filtered by state and organization, each served by an index.
 */
export async function listQueue(
  scope: SupportScope,
  filters: QueueFilters = {},
  limit = QUEUE_PAGE_SIZE,
): Promise<QueuePage> {
  assertSupportPermission(scope, "support:changes:review");
  const db = await getDb();
  const state = filters.state ?? "pending_review";
  let organizationId: string | undefined;
  if (filters.org) {
    const org = await db.selectFrom("organizations").select("id").where("slug", "=", filters.org).executeTakeFirst();
    if (!org) return { rows: [], next: null };
    organizationId = org.id;
  }
  const cursor = decodeCursor(filters.after);
  const shape: QueueShape = {
    byState: state !== "all",
    byOrganization: organizationId !== undefined,
    after: cursor !== null,
  };
  const params = {
    state: state === "all" ? null : state,
    organizationId: organizationId ?? null,
    afterAt: cursor?.at ?? null,
    afterId: cursor?.id ?? null,
    limit: limit + 1,
  };
  const found = await queueStatement(shape)(db, params);
  const rows: QueueRow[] = found.slice(0, limit).map((r) => ({
    id: String(r.id),
    orgSlug: r.slug,
    orgName: r.name,
    author: r.author_label,
    submittedAt: new Date(r.submitted_at!),
    state: r.state,
    risk: r.risk,
    verdict: r.verdict,
    summary: r.summary,
    policyRule: r.policy_rule,
  }));
  const last = rows[rows.length - 1];
  return { rows, next: found.length > limit && last ? encodeCursor(last.submittedAt, last.id) : null };
}

export interface ChangeView {
  change: ChangeRequestRow;
  org: { id: string; slug: string; name: string };
  diff: DiffRow[];
  progress: ApplyProgress | null;
}

async function view(change: ChangeRequestRow, org: ChangeView["org"]): Promise<ChangeView> {
  const db = await getDb();
  const desired = parseDesired(change.desired);
  const base = change.base_change_id
    ? await db
        .selectFrom("change_requests")
        .select("desired")
        .where("id", "=", change.base_change_id)
        .executeTakeFirst()
    : undefined;
  const diff = diffConnections(base ? parseDesired(base.desired).comparable : null, desired.comparable);
  return { change, org, diff, progress: await readApplyProgress(db, change.apply_job_id) };
}

/** One change for support's review page; null when there is none with that id. */
export async function getChangeForReview(scope: SupportScope, changeId: string): Promise<ChangeView | null> {
  assertSupportPermission(scope, "support:changes:review");
  if (!/^\d{1,18}$/.test(changeId)) return null;
  const db = await getDb();
  const row = await db
    .selectFrom("change_requests")
    .innerJoin("organizations", "organizations.id", "change_requests.organization_id")
    .selectAll("change_requests")
    .select(["organizations.slug as org_slug", "organizations.name as org_name"])
    .where("change_requests.id", "=", changeId)
    .executeTakeFirst();
  if (!row) return null;
  const { org_slug, org_name, ...change } = row;
  return view(normalizeChange(change), { id: change.organization_id, slug: org_slug, name: org_name });
}

/** One of the organization's own changes; null for another organization's (staff through `actingFor`). */
export async function getOrgChange(scope: OrganizationScope, changeId: string): Promise<ChangeView | null> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  if (!/^\d{1,18}$/.test(changeId)) return null;
  const row = await organizationRow(await getDb(), "change_requests", scope.org.id, changeId);
  return row ? view(normalizeChange(row), scope.org) : null;
}

/** The organization's recent changes, newest first (the SSO page's history and outcomes). */
export async function listOrgChanges(scope: OrganizationScope, limit = 10): Promise<ChangeRequestRow[]> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  return (await newestOrganizationRows(await getDb(), "change_requests", scope.org.id, "id", limit)).map(
    normalizeChange,
  );
}

export interface VersionRow {
  version: number;
  /** The change request that made it; null for a version taken from Auth0 (drift, "Accept Auth0's version"). */
  changeId: string | null;
  /** "change-request": reviewed in the portal; "auth0": Auth0's settings accepted by support as a version. */
  source: "change-request" | "auth0";
  author: string;
  approvedBy: string | null;
  appliedAt: Date | null;
  summary: string;
  /** The newest version written to the staged `-test` connection (ADR 009). */
  staged: boolean;
  /** The version on the live connection (put there by go-live, a roll back, or an accepted Auth0 version), if any. */
  live: boolean;
  protocol: "saml" | "oidc";
  /** Taken from Auth0: who accepted it and when, and which connection it came from. */
  accepted: { by: string; at: Date; stage: "live" | "test" } | null;
}

/** Versions support took from Auth0 ("Accept Auth0's version as a new version") that were applied. */
async function acceptedAuth0Versions(db: Kysely<Database>, organizationId: string) {
  const rows = await sql<{
    version: number;
    finished_at: Date | string | null;
    stage: string | null;
    protocol: string | null;
    actor_label: string;
    occurred_at: Date | string;
    fields: unknown;
  }>`
    select j.version, j.finished_at, j.desired->'connection'->>'stage' as stage,
           j.desired->'connection'->>'protocol' as protocol, a.actor_label, a.occurred_at, a.details->'fields' as fields
      from audit_events a
      join apply_jobs j on j.id = (a.details->>'jobId')::bigint and j.organization_id = a.organization_id
     where a.organization_id = ${organizationId}
       and a.action = 'connection.drift_accepted'
       and a.details ? 'jobId'
       and j.status = 'succeeded'`.execute(db);
  return rows.rows.map((r) => {
    const fields = typeof r.fields === "string" ? (JSON.parse(r.fields) as unknown) : r.fields;
    const stage: "live" | "test" = r.stage === "live" ? "live" : "test";
    return {
      version: Number(r.version),
      protocol: (r.protocol === "oidc" ? "oidc" : "saml") as "saml" | "oidc",
      stage,
      appliedAt: r.finished_at ? new Date(r.finished_at) : null,
      by: r.actor_label,
      at: new Date(r.occurred_at),
      fields: Array.isArray(fields) ? fields.map(String) : [],
    };
  });
}

/**
 * Every applied version of the organization's connection, newest first — those reviewed in the
 * portal and those support took from Auth0 — and which one the staged and the live connection hold.
 */
export async function listVersions(scope: OrganizationScope): Promise<VersionRow[]> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const [rows, events, accepted] = await Promise.all([
    db
      .selectFrom("change_requests")
      .select(["id", "version", "author_label", "reviewer_label", "applied_at", "summary", "protocol"])
      .where("organization_id", "=", scope.org.id)
      .where("state", "=", "applied")
      .where("version", "is not", null)
      .orderBy("version", "desc")
      .execute(),
    liveEvents(db, scope, 20),
    acceptedAuth0Versions(db, scope.org.id),
  ]);
  // The live connection holds what was written there last: a go-live / roll back, or an accepted Auth0 version.
  const event = liveVersionFrom(scope, events);
  let live = event ? { version: event.version, protocol: event.protocol, at: new Date(event.since) } : null;
  for (const a of accepted) {
    if (a.stage === "live" && a.appliedAt && (!live || a.appliedAt > live.at)) {
      live = { version: a.version, protocol: a.protocol, at: a.appliedAt };
    }
  }
  const all: Omit<VersionRow, "staged" | "live">[] = [
    ...rows.map((r) => ({
      version: r.version!,
      changeId: String(r.id),
      source: "change-request" as const,
      author: r.author_label,
      approvedBy: r.reviewer_label,
      appliedAt: r.applied_at ? new Date(r.applied_at) : null,
      summary: r.summary,
      protocol: r.protocol,
      accepted: null,
    })),
    ...accepted.map((a) => ({
      version: a.version,
      changeId: null,
      source: "auth0" as const,
      author: "Auth0 (changed outside the portal)",
      approvedBy: a.by,
      appliedAt: a.appliedAt,
      summary: `Taken from Auth0's ${a.stage === "live" ? "live" : "test"} connection${a.fields.length ? `: ${a.fields.join(", ")}` : ""}`,
      protocol: a.protocol,
      accepted: { by: a.by, at: a.at, stage: a.stage },
    })),
  ].sort((x, y) => y.version - x.version);
  // Every reviewed version is applied to the staged connection first; an accepted one names its own.
  const stagedVersion = all.find((v) => v.source === "change-request" || v.accepted?.stage === "test")?.version;
  return all.map((v) => ({
    ...v,
    staged: v.version === stagedVersion,
    live: live !== null && live.version === v.version && live.protocol === v.protocol,
  }));
}
