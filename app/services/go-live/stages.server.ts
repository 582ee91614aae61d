import { APPLY_KINDS, CONNECTION_KINDS } from "../apply/kinds/registry.server";
import { sql } from "kysely";
import { connectionName, type ConnectionProtocol, type ConnectionStage } from "../auth0/naming";
import { enqueueApply, normalizeJob, type DesiredApply } from "../apply/jobs.server";
import type { OrganizationScope } from "../identity/scope.server";
import type { ApplyJob, ApplyJobStatus } from "../platform/db/schema";
import type { LiveEvent } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { likePattern } from "../identity/organizations.server";
import { getTenantConfig } from "../platform/tenant-config.server";
import type { Executor } from "../platform/db.server";

/**
 * The organization's two connections per protocol, as the portal knows them from its own
 * records (no Auth0 call on a page view): the staged `-test` one, where every new version is
 * applied first and tested, and the live one, written only by go-live and roll back.
 */

export interface StagedVersion {
  protocol: ConnectionProtocol;
  version: number;
  connectionName: string;
  /** The options applied, secrets removed (the job keeps none once done): for mapping checks. */
  options: Record<string, unknown>;
  appliedAt: Date;
}

export interface ApplyProgress {
  jobId: string;
  stage: ConnectionStage;
  version: number;
  status: ApplyJobStatus;
  stepsDone: string[];
  lastError: string | null;
}

export interface LiveVersion {
  protocol: ConnectionProtocol;
  version: number;
  connectionName: string;
  since: Date;
  /** Disabled by a support lead: nobody can sign in through it until it is enabled again. */
  disabled: { reason: string; by: string; at: Date } | null;
}

function nameFor(scope: OrganizationScope, protocol: ConnectionProtocol, stage: ConnectionStage): string {
  return connectionName(getEnv().AUTH0_CONNECTION_PREFIX, scope.org.slug, protocol, stage);
}

function stageOf(job: ApplyJob): ConnectionStage {
  const connection = (job.desired as { connection?: { stage?: unknown } }).connection;
  return connection?.stage === "test" ? "test" : "live";
}

async function applyJobs(db: Executor, scope: OrganizationScope, stage: ConnectionStage, limit: number) {
  const rows = await db
    .selectFrom("apply_jobs")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .where("kind", "in", [...CONNECTION_KINDS])
    .where(sql<string>`coalesce(desired->'connection'->>'stage', 'live')`, "=", stage)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(normalizeJob);
}

/** The version on the `-test` connection now: the last staged apply that finished. */
export async function stagedVersion(db: Executor, scope: OrganizationScope): Promise<StagedVersion | null> {
  const row = await db
    .selectFrom("apply_jobs")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .where("kind", "in", [...APPLY_KINDS])
    .where("status", "=", "succeeded")
    .where(sql<string>`desired->'connection'->>'stage'`, "=", "test")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const done = normalizeJob(row);
  const connection = (
    done.desired as { connection: { protocol: ConnectionProtocol; options: Record<string, unknown> } }
  ).connection;
  return {
    protocol: connection.protocol,
    version: done.version,
    connectionName: nameFor(scope, connection.protocol, "test"),
    options: connection.options,
    appliedAt: done.finished_at ?? done.updated_at,
  };
}

/** The latest apply of either stage, for the progress the SSO page shows. */
export async function latestApplies(db: Executor, scope: OrganizationScope): Promise<ApplyProgress[]> {
  const jobs = [...(await applyJobs(db, scope, "test", 1)), ...(await applyJobs(db, scope, "live", 1))];
  return jobs.map((j) => ({
    jobId: j.id,
    stage: stageOf(j),
    version: j.version,
    status: j.status,
    stepsDone: j.steps_done,
    lastError: j.last_error,
  }));
}

/** The organization's live events, newest first. */
export async function liveEvents(db: Executor, scope: OrganizationScope, limit = 50): Promise<LiveEvent[]> {
  return db
    .selectFrom("live_events")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

export interface LiveConnectionRow {
  organizationId: string;
  slug: string;
  name: string;
  auth0OrgId: string | null;
  live: LiveVersion;
}

export interface LiveConnectionsQuery {
  /** Only organizations whose live connection is not disabled (who can sign in now). */
  enabledOnly?: boolean;
  /** Part of the organization's name or slug, case-insensitive. */
  search?: string;
  limit?: number;
  offset?: number;
}

/**
 * Every organization that has gone live, with what is live now, in one query by name: the last
 * go-live or roll back and the last disable or enable per organization, each read through the
 * `(organization_id, id desc)` index — no query per organization, however many there are.
 * Callers check who may see the list (support, or the local demo application).
 */
export async function liveConnections(
  db: Executor,
  query: LiveConnectionsQuery = {},
): Promise<{ rows: LiveConnectionRow[]; total: number }> {
  const search = likePattern(query.search);
  const filters = sql.join(
    [
      sql`true`,
      query.enabledOnly ? sql`coalesce(s.action, 'enable') = 'enable'` : sql`true`,
      search ? sql`(o.name ilike ${search} or o.slug ilike ${search})` : sql`true`,
    ],
    sql` and `,
  );
  const result = await sql<{
    id: string;
    slug: string;
    name: string;
    auth0_org_id: string | null;
    protocol: ConnectionProtocol;
    version: number;
    since: Date;
    switch_action: "disable" | "enable" | null;
    switch_reason: string | null;
    switch_by: string | null;
    switch_at: Date | null;
    total: string;
  }>`
    select o.id, o.slug, o.name, o.auth0_org_id, w.protocol, w.version, w.created_at as since,
      s.action as switch_action, s.reason as switch_reason, s.actor_label as switch_by, s.created_at as switch_at,
      count(*) over () as total
    from organizations o
    join lateral (
      select e.protocol, e.version, e.created_at from live_events e
      where e.organization_id = o.id and e.action in ('go-live', 'roll-back')
      order by e.id desc limit 1
    ) w on true
    left join lateral (
      select e.action, e.reason, e.actor_label, e.created_at from live_events e
      where e.organization_id = o.id and e.action in ('disable', 'enable')
      order by e.id desc limit 1
    ) s on true
    where ${filters}
    order by o.name, o.id
    limit ${query.limit ?? 10_000} offset ${query.offset ?? 0}
  `.execute(db);
  const prefix = getEnv().AUTH0_CONNECTION_PREFIX;
  return {
    total: result.rows.length > 0 ? Number(result.rows[0]!.total) : 0,
    rows: result.rows.map((r) => ({
      organizationId: r.id,
      slug: r.slug,
      name: r.name,
      auth0OrgId: r.auth0_org_id,
      live: {
        protocol: r.protocol,
        version: r.version,
        connectionName: connectionName(prefix, r.slug, r.protocol, "live"),
        since: new Date(r.since),
        disabled:
          r.switch_action === "disable"
            ? { reason: r.switch_reason ?? "", by: r.switch_by ?? "", at: new Date(r.switch_at!) }
            : null,
      },
    })),
  };
}

/** The columns of a live event that liveVersionFrom reads. */
export type LiveEventFacts = Pick<
  LiveEvent,
  "action" | "protocol" | "version" | "reason" | "actor_label" | "created_at"
>;

/** What is live now, from the events (newest first): the last go-live or roll back, and whether it is disabled. */
export function liveVersionFrom(scope: OrganizationScope, events: LiveEventFacts[]): LiveVersion | null {
  const written = events.find((e) => e.action === "go-live" || e.action === "roll-back");
  if (!written) return null;
  const switched = events.find((e) => e.action === "disable" || e.action === "enable");
  const disabled =
    switched?.action === "disable"
      ? { reason: switched.reason ?? "", by: switched.actor_label, at: switched.created_at }
      : null;
  return {
    protocol: written.protocol,
    version: written.version,
    connectionName: nameFor(scope, written.protocol, "live"),
    since: written.created_at,
    disabled,
  };
}

/**
 * Queues a new version onto the organization's staged `-test` connection, enabled for the test
 * application only — how every approved configuration reaches Auth0 first. The live connection
 * is untouched until go-live. SAML: the SP entity ID is the live connection's on both, so the IdP
 * is configured once (`entityId`); the ACS URL `<tenant>/login/callback` serves both.
 */
export async function enqueueStagedApply(
  db: Executor,
  scope: OrganizationScope,
  desired: Pick<DesiredApply, "connection">,
): Promise<string> {
  const tenant = getTenantConfig();
  const connection = { ...desired.connection, stage: "test" as const };
  if (connection.strategy === "samlp" && connection.options.entityId === undefined) {
    connection.options = { ...connection.options, entityId: spEntityId(scope, connection.protocol) };
  }
  return enqueueApply(db, scope, {
    connection,
    enabledClients: [tenant.testLogin.clientId],
    organization: null,
    aliasVerifiedDomains: true,
  });
}

/** The SAML SP entity ID the IdP is given: the live connection's URN, shared by the staged one. */
export function spEntityId(scope: OrganizationScope, protocol: ConnectionProtocol): string {
  return `urn:auth0:${getTenantConfig().tenantName}:${nameFor(scope, protocol, "live")}`;
}

export { nameFor as stageConnectionName };
