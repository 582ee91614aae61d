import { sql } from "kysely";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import type { OrganizationScope, SupportScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { ChangeRequestRow, ChangeState } from "../platform/db/schema";
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
    .limit(limit + 1);
  const state = filters.state ?? "pending_review";
  if (state !== "all") q = q.where("change_requests.state", "=", state);
  if (filters.org) {
    const org = await db.selectFrom("organizations").select("id").where("slug", "=", filters.org).executeTakeFirst();
    if (!org) return { rows: [], next: null };
    q = q.where("change_requests.organization_id", "=", org.id);
  }
  const cursor = decodeCursor(filters.after);
  if (cursor) {
    q = q.where(
      sql<boolean>`(change_requests.submitted_at, change_requests.id) > (${cursor.at}, ${cursor.id}::bigint)`,
    );
  }
  const found = await q.execute();
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
  const db = await getDb();
  const row = await db
    .selectFrom("change_requests")
    .selectAll()
    .where("id", "=", changeId)
    .where("organization_id", "=", scope.org.id)
    .executeTakeFirst();
  return row ? view(normalizeChange(row), scope.org) : null;
}

/** The organization's recent changes, newest first (the SSO page's history and outcomes). */
export async function listOrgChanges(scope: OrganizationScope, limit = 10): Promise<ChangeRequestRow[]> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const rows = await db
    .selectFrom("change_requests")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(normalizeChange);
}

export interface VersionRow {
  version: number;
  changeId: string;
  author: string;
  approvedBy: string | null;
  appliedAt: Date | null;
  summary: string;
  /** The newest applied version: what the staged `-test` connection holds now (ADR 009). */
  staged: boolean;
  /** The version on the live connection (put there by go-live or a roll back), if any. */
  live: boolean;
  protocol: "saml" | "oidc";
}

/** Every applied version of the organization's connection, newest first: which one is staged, which one live. */
export async function listVersions(scope: OrganizationScope): Promise<VersionRow[]> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const [rows, events] = await Promise.all([
    db
      .selectFrom("change_requests")
      .select(["id", "version", "author_label", "reviewer_label", "applied_at", "summary", "protocol"])
      .where("organization_id", "=", scope.org.id)
      .where("state", "=", "applied")
      .where("version", "is not", null)
      .orderBy("version", "desc")
      .execute(),
    liveEvents(db, scope, 20),
  ]);
  const live = liveVersionFrom(scope, events);
  return rows.map((r, i) => ({
    version: r.version!,
    changeId: String(r.id),
    author: r.author_label,
    approvedBy: r.reviewer_label,
    appliedAt: r.applied_at ? new Date(r.applied_at) : null,
    summary: r.summary,
    staged: i === 0,
    live: live !== null && live.version === r.version && live.protocol === r.protocol,
    protocol: r.protocol,
  }));
}
