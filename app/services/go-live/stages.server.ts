import { APPLY_KINDS, CONNECTION_KINDS } from "../apply/kinds/registry.server";
import { sql, type Kysely, type Transaction } from "kysely";
import { connectionName, type ConnectionProtocol, type ConnectionStage } from "../auth0/naming";
import { enqueueApply, normalizeJob, type DesiredApply } from "../apply/jobs.server";
import type { OrganizationScope } from "../identity/scope.server";
import type { ApplyJob, ApplyJobStatus } from "../platform/db/schema";
import type { Database, LiveEvent } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { getTenantConfig } from "../platform/tenant-config.server";

/**
 * The organization's two connections per protocol, as the portal knows them from its own
 * records (no Auth0 call on a page view): the staged `-test` one, where every new version is
 * applied first and tested, and the live one, written only by go-live and roll back.
 */

type Executor = Kysely<Database> | Transaction<Database>;

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

/** Organizations that have ever gone live (a live event), by name: whose live version to read next. */
export function organizationsEverLive(db: Executor) {
  return db
    .selectFrom("organizations")
    .select(["id", "slug", "name", "auth0_org_id"])
    .where((eb) =>
      eb.exists(
        eb.selectFrom("live_events").select("id").whereRef("live_events.organization_id", "=", "organizations.id"),
      ),
    )
    .orderBy("name")
    .execute();
}

/** What is live now, from the events: the last go-live or roll back, and whether it is disabled. */
export function liveVersionFrom(scope: OrganizationScope, events: LiveEvent[]): LiveVersion | null {
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
