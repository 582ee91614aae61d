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
import { getDb } from "../platform/db.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { lastAppliedConnections, type AppliedConnection } from "./applied-state.server";
import type { Clock } from "./clock";

/**
 * Drift: does Auth0 still hold what the portal last applied? For each organization's live
 * connection the options the portal manages, the display name, the applications it is enabled
 * for and its Auth0 organization's enablement are read through the gateway and compared field
 * by field with the last succeeded apply job. Reads draw from the apply engine's shared rate
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

function systemScope(applied: AppliedConnection): SystemOrgScope {
  return { kind: "system", actor: DRIFT_SCOPE_ACTOR, org: applied.org };
}

/** Compares one applied connection with what Auth0 holds. */
export async function compareWithAuth0(gateway: Auth0Gateway, applied: AppliedConnection): Promise<DriftResult> {
  const scope = systemScope(applied);
  const { connection, enabledClients, disabledClients, organization } = applied.desired;
  const owned = await gateway.findOwnedConnection(scope, connection.protocol, "drift-check");
  if (!owned) {
    return {
      status: "missing",
      fields: [{ field: "connection", ours: gateway.connectionName(scope, connection.protocol), auth0: null }],
    };
  }
  const fields: DriftField[] = [];
  const theirs = (owned.connection.options ?? {}) as Record<string, unknown>;
  const secret = new Set<string>(SECRET_OPTION_PATHS);
  const keys = new Set([...(connection.managedOptionKeys ?? []), ...Object.keys(connection.options)]);
  for (const key of [...keys].sort()) {
    if (secret.has(key)) continue; // never stored once applied, never shown
    const ours = connection.options[key];
    if (!isDeepStrictEqual(ours ?? null, theirs[key] ?? null)) {
      fields.push({ field: `options.${key}`, ours: ours ?? null, auth0: theirs[key] ?? null });
    }
  }
  if (owned.connection.display_name !== connection.displayName) {
    fields.push({ field: "display_name", ours: connection.displayName, auth0: owned.connection.display_name ?? null });
  }
  if (enabledClients.length > 0 || disabledClients.length > 0) {
    const enabled = new Set(await gateway.enabledClients(scope, owned));
    const missing = enabledClients.filter((c) => !enabled.has(c));
    const unexpected = disabledClients.filter((c) => enabled.has(c));
    if (missing.length > 0 || unexpected.length > 0) {
      fields.push({
        field: "enabled_clients",
        ours: [...enabledClients].sort(),
        auth0: [...enabled].filter((c) => enabledClients.includes(c) || disabledClients.includes(c)).sort(),
      });
    }
  }
  if (organization && applied.org.auth0OrgId) {
    const current = await gateway.organizationConnection(scope, owned);
    if (!current) {
      fields.push({ field: "organization", ours: "enabled", auth0: "not enabled" });
    } else {
      if (current.assignMembershipOnLogin !== organization.assignMembershipOnLogin)
        fields.push({
          field: "organization.assign_membership_on_login",
          ours: organization.assignMembershipOnLogin,
          auth0: current.assignMembershipOnLogin,
        });
      if (current.showAsButton !== organization.showAsButton)
        fields.push({
          field: "organization.show_as_button",
          ours: organization.showAsButton,
          auth0: current.showAsButton,
        });
    }
  }
  return { status: fields.length > 0 ? "drifted" : "in_sync", fields };
}

/** Records a check; a newly found drift is audited (and support told, once notifications exist). */
async function recordDrift(db: Kysely<Database>, applied: AppliedConnection, result: DriftResult, now: Date) {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("organization_health")
      .select(["drift_status", "drift_fields"])
      .where("organization_id", "=", applied.org.id)
      .forUpdate()
      .executeTakeFirst();
    const values = {
      drift_status: result.status,
      drift_fields: JSON.stringify(result.fields),
      drift_version: applied.version,
      drift_error: result.error ?? null,
      drift_checked_at: now,
      updated_at: now,
    };
    await trx
      .insertInto("organization_health")
      .values({ organization_id: applied.org.id, ...values })
      .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
      .execute();
    const changed =
      result.status !== before?.drift_status || !isDeepStrictEqual(result.fields, before?.drift_fields ?? []);
    if ((result.status === "drifted" || result.status === "missing") && changed) {
      await recordAudit(trx, {
        actorLabel: DRIFT_SCOPE_ACTOR,
        organizationId: applied.org.id,
        action: "connection.drift_detected",
        target: `version ${applied.version}`,
        outcome: "failure",
        details: { status: result.status, fields: result.fields.map((f) => f.field) },
      });
    }
  });
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
    for (const applied of batch) {
      if (options.signal?.aborted) break;
      let result: DriftResult;
      try {
        result = await compareWithAuth0(gateway, applied);
      } catch (err) {
        failed++;
        result = { status: "error", fields: [], error: (err as Error).message.slice(0, 500) };
      }
      await recordDrift(db, applied, result, options.clock.now());
      checked++;
      if (result.status === "drifted" || result.status === "missing") drifted++;
    }
  }
  return `${checked} connection${checked === 1 ? "" : "s"} checked, ${drifted} drifted${failed ? `, ${failed} could not be read` : ""}`;
}

/** "Re-apply our version" (support leads): the last applied configuration is queued again as it was. */
export async function reapplyOurVersion(
  scope: SupportScope,
  orgSlug: string,
): Promise<{ ok: true; version: number } | { ok: false; error: string }> {
  assertSupportPermission(scope, "support:drift:resolve");
  const db = await getDb();
  const org = await db.selectFrom("organizations").select("id").where("slug", "=", orgSlug).executeTakeFirst();
  if (!org) return { ok: false, error: "There is no such organization." };
  const [applied] = await lastAppliedConnections(db, { orgIds: [org.id] });
  if (!applied) return { ok: false, error: "Nothing has been applied for this organization yet." };
  await db.transaction().execute(async (trx) => {
    await enqueueApply(trx, { kind: "system", actor: scope.user.email, org: applied.org }, applied.desired);
    await recordAudit(trx, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      organizationId: applied.org.id,
      action: "connection.drift_reapplied",
      target: `version ${applied.version}`,
      details: { jobId: applied.jobId },
    });
  });
  return { ok: true, version: applied.version };
}
