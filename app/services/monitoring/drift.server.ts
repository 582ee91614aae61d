import { isDeepStrictEqual } from "node:util";
import { sql, type Kysely } from "kysely";
import { takeBudget, type RateBudget } from "../apply/budget.server";
import { enqueueApply } from "../apply/jobs.server";
import { SECRET_OPTION_PATHS } from "../apply/kinds/connection-apply.server";
import { recordAudit } from "../audit/audit.server";
import { Auth0Gateway } from "../auth0/gateway.server";
import { assertSupportPermission } from "../identity/authorize.server";
import type { SupportScope, SystemOrgScope } from "../identity/scope.server";
import type { Database, DriftField, DriftStatus } from "../platform/db/schema";
import { portalGateway } from "../auth0/portal-gateway.server";
import { supportAddresses } from "../change-requests/notify.server";
import { queueMail } from "../notifications/outbox.server";
import { renderMail } from "../notifications/templates";
import { getDb } from "../platform/db.server";
import { getPublicUrl } from "../platform/public-url.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { lastAppliedConnections, type AppliedConnection } from "./applied-state.server";
import type { Clock } from "./clock";

/**
 * Drift: does Auth0 still hold what the portal last applied? For each of an organization's
 * connections — the live one and the staged `-test` one (ADR 009) — the options the portal
 * manages, the display name, the applications it is enabled for and its Auth0 organization's
 * enablement are read through the gateway and compared field by field with the job that last
 * wrote it (a live connection disabled by support is expected to be enabled nowhere). A newly
 * found drift is audited and mailed to support; a support lead resolves it with "Re-apply our
 * version" or "Accept Auth0's version as a new version". Reads draw from the apply engine's shared rate
 * budget and, beyond that, pace themselves to a share of the tenant's sustained rate, so checking
 * 10,000 organizations never starves applies.
 */

export interface DriftCheckOptions {
  db: Kysely<Database>;
  tenant: TenantConfig;
  prefix: string;
  rateBudget: RateBudget | null;
  clock: Clock;
  fetch?: typeof fetch;
  /** Fraction of the tenant's sustained rate drift reads may use (default 0.25). */
  share?: number;
  /** Stop after this many organizations (the rest next run: the least recently checked go first). */
  maxOrganizations?: number;
  signal?: AbortSignal;
}

export interface DriftResult {
  status: DriftStatus;
  fields: DriftField[];
  error?: string;
}

const DRIFT_SCOPE_ACTOR = "drift-check";

function systemScope(applied: AppliedConnection, actor = DRIFT_SCOPE_ACTOR): SystemOrgScope {
  return { kind: "system", actor, org: applied.org };
}

/** What the connection should look like now: as applied, or enabled nowhere while support has it disabled. */
function expected(applied: AppliedConnection) {
  const { enabledClients, disabledClients, organization } = applied.desired;
  if (!applied.disabled) return { enabledClients, disabledClients, organization, organizationOff: false };
  return {
    enabledClients: [] as string[],
    disabledClients: [...enabledClients, ...disabledClients],
    organization: null,
    organizationOff: true,
  };
}

const STATUS_WEIGHT: Record<DriftStatus, number> = { in_sync: 0, error: 1, drifted: 2, missing: 3 };

/** One organization's connections together: the worst status, every field (each naming its connection). */
export function mergeDrift(results: DriftResult[]): DriftResult {
  if (results.length === 0) return { status: "in_sync", fields: [] };
  const status = results.map((r) => r.status).reduce((a, b) => (STATUS_WEIGHT[b] > STATUS_WEIGHT[a] ? b : a));
  const errors = results.map((r) => r.error).filter(Boolean);
  return {
    status,
    fields: results.flatMap((r) => r.fields),
    ...(errors.length ? { error: errors.join("; ") } : {}),
  };
}

/** Compares one applied connection (live or staged) with what Auth0 holds. */
export async function compareWithAuth0(gateway: Auth0Gateway, applied: AppliedConnection): Promise<DriftResult> {
  const scope = systemScope(applied);
  const { connection } = applied.desired;
  const name = gateway.connectionName(scope, connection.protocol, applied.stage);
  const owned = await gateway.findOwnedConnection(scope, connection.protocol, "drift-check", applied.stage);
  if (!owned) {
    return { status: "missing", fields: [{ connection: name, field: "connection", ours: name, auth0: null }] };
  }
  const want = expected(applied);
  const fields: DriftField[] = [];
  const add = (field: string, ours: unknown, auth0: unknown) => fields.push({ connection: name, field, ours, auth0 });
  const theirs = (owned.connection.options ?? {}) as Record<string, unknown>;
  const secret = new Set<string>(SECRET_OPTION_PATHS);
  const keys = new Set([...(connection.managedOptionKeys ?? []), ...Object.keys(connection.options)]);
  for (const key of [...keys].sort()) {
    if (secret.has(key)) continue; // never stored once applied, never shown
    const ours = connection.options[key];
    if (!isDeepStrictEqual(ours ?? null, theirs[key] ?? null)) add(`options.${key}`, ours ?? null, theirs[key] ?? null);
  }
  if (owned.connection.display_name !== connection.displayName) {
    add("display_name", connection.displayName, owned.connection.display_name ?? null);
  }
  if (want.enabledClients.length > 0 || want.disabledClients.length > 0) {
    const enabled = new Set(await gateway.enabledClients(scope, owned));
    const missing = want.enabledClients.filter((c) => !enabled.has(c));
    const unexpected = want.disabledClients.filter((c) => enabled.has(c));
    if (missing.length > 0 || unexpected.length > 0) {
      add(
        "enabled_clients",
        [...want.enabledClients].sort(),
        [...enabled].filter((c) => want.enabledClients.includes(c) || want.disabledClients.includes(c)).sort(),
      );
    }
  }
  if ((want.organization || want.organizationOff) && applied.org.auth0OrgId) {
    const current = await gateway.organizationConnection(scope, owned);
    if (want.organizationOff) {
      if (current) add("organization", "not enabled (disabled by support)", "enabled");
    } else if (want.organization) {
      if (!current) {
        add("organization", "enabled", "not enabled");
      } else {
        if (current.assignMembershipOnLogin !== want.organization.assignMembershipOnLogin)
          add(
            "organization.assign_membership_on_login",
            want.organization.assignMembershipOnLogin,
            current.assignMembershipOnLogin,
          );
        if (current.showAsButton !== want.organization.showAsButton)
          add("organization.show_as_button", want.organization.showAsButton, current.showAsButton);
      }
    }
  }
  return { status: fields.length > 0 ? "drifted" : "in_sync", fields };
}

/**
 * Records a check of one organization. A newly found drift (another status or other fields than
 * last time) is audited and mailed to support, once per finding (the outbox's dedupe key).
 */
async function recordDrift(
  db: Kysely<Database>,
  org: AppliedConnection["org"],
  version: number,
  result: DriftResult,
  now: Date,
) {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("organization_health")
      .select(["drift_status", "drift_fields"])
      .where("organization_id", "=", org.id)
      .forUpdate()
      .executeTakeFirst();
    const values = {
      drift_status: result.status,
      drift_fields: JSON.stringify(result.fields),
      drift_version: version,
      drift_error: result.error ?? null,
      drift_checked_at: now,
      updated_at: now,
    };
    await trx
      .insertInto("organization_health")
      .values({ organization_id: org.id, ...values })
      .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
      .execute();
    const changed =
      result.status !== before?.drift_status || !isDeepStrictEqual(result.fields, before?.drift_fields ?? []);
    if ((result.status === "drifted" || result.status === "missing") && changed) {
      await recordAudit(trx, {
        actorLabel: DRIFT_SCOPE_ACTOR,
        organizationId: org.id,
        action: "connection.drift_detected",
        target: `version ${version}`,
        outcome: "failure",
        details: { status: result.status, fields: result.fields.map((f) => `${f.connection ?? ""} ${f.field}`.trim()) },
      });
      await queueMail(trx, driftMails(org, result, now));
    }
  });
}

function driftMails(org: AppliedConnection["org"], result: DriftResult, now: Date) {
  const link = `${getPublicUrl()}/support/orgs/${org.slug}#drift`;
  const mail = renderMail(
    {
      subject: `[Support] ${org.name}'s connection in Auth0 ${result.status === "missing" ? "is missing" : "was changed outside the portal"}`,
      lead:
        result.status === "missing"
          ? `A connection the portal applied for ${org.name} is no longer in Auth0. Re-apply the portal's version, or find out who deleted it.`
          : `Someone changed ${org.name}'s connection in Auth0 outside the portal. Re-apply the portal's version, or accept Auth0's as a new version.`,
      lines: result.fields
        .slice(0, 20)
        .map((f) => [
          `${f.connection ?? ""} ${f.field}`.trim(),
          `portal ${JSON.stringify(f.ours)} · Auth0 ${JSON.stringify(f.auth0)}`.slice(0, 400),
        ]),
      action: "Open the organization's support page",
    },
    link,
  );
  const key = `drift:${org.id}:${now.toISOString()}`;
  return supportAddresses().map((to) => ({
    ...mail,
    dedupeKey: key,
    to,
    organizationId: org.id,
    kind: "connection.drift",
    link,
  }));
}

/** One scheduled run: the organizations checked longest ago first. Returns what it did, in words. */
export async function runDriftCheck(options: DriftCheckOptions): Promise<string> {
  const { db } = options;
  const budget = options.rateBudget;
  const tenantKey = options.tenant.managementApiUrl;
  const pauseMs = budget ? 1000 / (budget.perSecond * (options.share ?? 0.25)) : 0;
  const gateway = new Auth0Gateway({
    tenant: options.tenant,
    prefix: options.prefix,
    db,
    fetch: options.fetch,
    hooks: {
      beforeRequest: async () => {
        if (!budget) return;
        await takeBudget(db, tenantKey, budget, 1, options.signal);
        if (pauseMs >= 1) await new Promise((r) => setTimeout(r, pauseMs));
      },
    },
  });
  const order = await db
    .selectFrom("organizations")
    .leftJoin("organization_health", "organization_health.organization_id", "organizations.id")
    .select("organizations.id")
    .where(
      sql<boolean>`exists (select 1 from apply_jobs j where j.organization_id = organizations.id and j.status = 'succeeded')`,
    )
    .orderBy(sql`organization_health.drift_checked_at asc nulls first`)
    .orderBy("organizations.id")
    .limit(options.maxOrganizations ?? 100_000)
    .execute();
  let checked = 0;
  let drifted = 0;
  let failed = 0;
  for (let i = 0; i < order.length && !options.signal?.aborted; i += 100) {
    const batch = await lastAppliedConnections(db, { orgIds: order.slice(i, i + 100).map((o) => o.id) });
    const byOrg = new Map<string, AppliedConnection[]>();
    for (const a of batch) byOrg.set(a.org.id, [...(byOrg.get(a.org.id) ?? []), a]);
    for (const connections of byOrg.values()) {
      if (options.signal?.aborted) break;
      const results: DriftResult[] = [];
      for (const applied of connections) {
        try {
          results.push(await compareWithAuth0(gateway, applied));
        } catch (err) {
          failed++;
          results.push({ status: "error", fields: [], error: (err as Error).message.slice(0, 500) });
        }
        checked++;
        const last = results.at(-1)!;
        if (last.status === "drifted" || last.status === "missing") drifted++;
      }
      const live = connections.find((c) => c.stage === "live") ?? connections[0]!;
      await recordDrift(db, live.org, live.version, mergeDrift(results), options.clock.now());
    }
  }
  return `${checked} connection${checked === 1 ? "" : "s"} checked, ${drifted} drifted${failed ? `, ${failed} could not be read` : ""}`;
}

export type DriftResolution = { ok: true; versions: number[] } | { ok: false; error: string };

/** The organization's applied connections that drifted at the last check (every one when no field names one). */
async function driftedConnections(db: Kysely<Database>, orgSlug: string) {
  const org = await db.selectFrom("organizations").select("id").where("slug", "=", orgSlug).executeTakeFirst();
  if (!org) return { error: "There is no such organization." };
  const applied = await lastAppliedConnections(db, { orgIds: [org.id] });
  if (applied.length === 0) return { error: "Nothing has been applied for this organization yet." };
  const health = await db
    .selectFrom("organization_health")
    .select(["drift_fields", "drift_status"])
    .where("organization_id", "=", org.id)
    .executeTakeFirst();
  const fields: DriftField[] =
    (typeof health?.drift_fields === "string" ? JSON.parse(health.drift_fields) : health?.drift_fields) ?? [];
  const gateway = portalGateway(db);
  const named = new Set(fields.flatMap((f) => (f.connection ? [f.connection] : [])));
  const drifted =
    named.size === 0
      ? applied
      : applied.filter((a) => named.has(gateway.connectionName(systemScope(a), a.protocol, a.stage)));
  return { error: undefined, applied: drifted, fields, gateway };
}

/**
 * "Re-apply our version" (support leads): each drifted connection's last applied configuration is
 * queued again as it was (a live connection support disabled stays enabled for no application).
 */
export async function reapplyOurVersion(scope: SupportScope, orgSlug: string): Promise<DriftResolution> {
  assertSupportPermission(scope, "support:drift:resolve");
  const db = await getDb();
  const found = await driftedConnections(db, orgSlug);
  if (found.error !== undefined) return { ok: false, error: found.error };
  await db.transaction().execute(async (trx) => {
    for (const applied of found.applied) {
      const want = expected(applied);
      await enqueueApply(trx, systemScope(applied, scope.user.email), {
        ...applied.desired,
        enabledClients: want.enabledClients,
        disabledClients: want.disabledClients,
        organization: want.organization,
      });
      await recordAudit(trx, {
        actorUserId: scope.user.id,
        actorLabel: scope.user.email,
        organizationId: applied.org.id,
        action: "connection.drift_reapplied",
        target: `version ${applied.version}`,
        details: { jobId: applied.jobId, stage: applied.stage },
      });
    }
  });
  return { ok: true, versions: found.applied.map((a) => a.version) };
}

/** The organization's next configuration version: after every change request's and every job's. */
async function nextVersion(trx: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await sql<{ v: number | string | null }>`
    select greatest(
      (select max(version) from change_requests where organization_id = ${organizationId}),
      (select max(version) from apply_jobs where organization_id = ${organizationId})) as v`.execute(trx);
  return Number(row.rows[0]?.v ?? 0) + 1;
}

/**
 * "Accept Auth0's version as a new version" (support leads): for each drifted connection, what
 * Auth0 holds now in the fields that drifted becomes the portal's next version, queued as an apply
 * job to the same connection (it writes what is already there and records the version in the
 * connection's metadata), so the next check finds it in sync. A deleted connection cannot be
 * accepted: re-apply ours instead.
 */
export async function acceptAuth0Version(scope: SupportScope, orgSlug: string): Promise<DriftResolution> {
  assertSupportPermission(scope, "support:drift:resolve");
  const db = await getDb();
  const found = await driftedConnections(db, orgSlug);
  if (found.error !== undefined) return { ok: false, error: found.error };
  const plans: { applied: AppliedConnection; desired: AppliedConnection["desired"]; fields: string[] }[] = [];
  for (const applied of found.applied) {
    const scoped = systemScope(applied, scope.user.email);
    const result = await compareWithAuth0(found.gateway, applied);
    if (result.status === "missing") {
      return {
        ok: false,
        error: `${found.gateway.connectionName(scoped, applied.protocol, applied.stage)} is no longer in Auth0: there is nothing to accept. Re-apply the portal's version instead.`,
      };
    }
    if (result.status !== "drifted") continue;
    const owned = (await found.gateway.findOwnedConnection(scoped, applied.protocol, "drift-accept", applied.stage))!;
    const theirs = (owned.connection.options ?? {}) as Record<string, unknown>;
    const desired = structuredClone(applied.desired);
    const want = expected(applied);
    for (const f of result.fields) {
      if (f.field.startsWith("options.")) {
        const key = f.field.slice("options.".length);
        if (theirs[key] === undefined) delete desired.connection.options[key];
        else desired.connection.options[key] = theirs[key];
      } else if (f.field === "display_name" && typeof f.auth0 === "string") {
        desired.connection.displayName = f.auth0;
      } else if (f.field === "enabled_clients" && !applied.disabled) {
        const enabled = new Set(f.auth0 as string[]);
        const all = [...want.enabledClients, ...want.disabledClients];
        desired.enabledClients = all.filter((c) => enabled.has(c));
        desired.disabledClients = all.filter((c) => !enabled.has(c));
      } else if (f.field === "organization" && !applied.disabled) {
        desired.organization = null; // Auth0 has it off the organization: the new version leaves it out
      } else if (f.field === "organization.assign_membership_on_login" && desired.organization) {
        desired.organization.assignMembershipOnLogin = f.auth0 as boolean;
      } else if (f.field === "organization.show_as_button" && desired.organization) {
        desired.organization.showAsButton = f.auth0 as boolean;
      }
    }
    plans.push({ applied, desired, fields: result.fields.map((f) => f.field) });
  }
  if (plans.length === 0)
    return { ok: false, error: "Auth0 holds the portal's version now: there is nothing to accept." };
  const versions: number[] = [];
  await db.transaction().execute(async (trx) => {
    await sql`select id from organizations where id = ${plans[0]!.applied.org.id} for update`.execute(trx);
    let version = await nextVersion(trx, plans[0]!.applied.org.id);
    for (const plan of plans) {
      plan.desired.connection.version = version;
      const jobId = await enqueueApply(trx, systemScope(plan.applied, scope.user.email), plan.desired);
      await recordAudit(trx, {
        actorUserId: scope.user.id,
        actorLabel: scope.user.email,
        organizationId: plan.applied.org.id,
        action: "connection.drift_accepted",
        target: `version ${version}`,
        details: { jobId, stage: plan.applied.stage, replaces: plan.applied.version, fields: plan.fields },
      });
      versions.push(version);
      version++;
    }
  });
  return { ok: true, versions };
}
