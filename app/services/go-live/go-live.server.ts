import { connectionJobKind, desiredApplySchema, enqueueJob } from "../apply/jobs.server";
import { sealSecretOptions } from "../apply/kinds/connection-apply.server";
import { recordAudit } from "../audit/audit.server";
import { NotFoundError } from "../auth0/errors";
import { portalGateway } from "../auth0/portal-gateway.server";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import type { OrgScope, SupportScope, SystemOrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import { actingFor } from "../organizations/organizations.server";
import { findScopedOrganization } from "../organizations/scoped-organization.server";
import type { LiveEvent } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { getSecretsKey } from "../platform/secrets.server";
import { getTenantConfig } from "../platform/tenant-config.server";
import { queueLiveMail } from "./notify.server";
import { toView, type TestResultView } from "../test-login/test-login.server";
import {
  latestApplies,
  liveEvents,
  liveConnections,
  liveVersionFrom,
  stagedVersion,
  type ApplyProgress,
  type LiveConnectionRow,
  type LiveVersion,
  type StagedVersion,
} from "./stages.server";

/**
 * Go live, roll back, and a support lead's emergency switch.
 *
 * Go live writes the *tested* configuration — read back from the organization's `-test`
 * connection, whose version must be the one that passed — to the live connection, and enables it
 * for the Auth0 organization and the production applications, through the apply engine (same
 * job, same progress). Users' Auth0 ids contain the connection's name, so the live connection is
 * always written, never swapped. What was written is kept (secrets sealed) in `live_events`, so
 * a roll back writes the previous live version back at once: it was approved and tested before.
 */

export type GateRefusal =
  "no-staged-version" | "no-passing-test" | "test-too-old" | "already-live" | "live-disabled" | "apply-in-progress";

export interface GoLiveGate {
  allowed: boolean;
  refusal: GateRefusal | null;
  /** Why, in words (the page shows it beside the disabled button). */
  message: string;
  passingTest: TestResultView | null;
}

export interface GoLiveState {
  staged: StagedVersion | null;
  live: LiveVersion | null;
  applies: ApplyProgress[];
  gate: GoLiveGate;
  /** The version a roll back would restore, if any. */
  rollBackTo: number | null;
  events: LiveEvent[];
  validDays: number;
}

const GATE_MESSAGES: Record<GateRefusal, string> = {
  "no-staged-version": "There is no applied version to put live yet.",
  "no-passing-test": "Run a test login of the version now staged; it must pass before it can go live.",
  "test-too-old": "The last passing test of this version is too old. Test it again, then go live.",
  "already-live": "This version is already live.",
  "live-disabled": "Your live connection was disabled by the vendor's support. Contact them to enable it again.",
  "apply-in-progress": "A change is being applied right now. Wait until it has finished.",
};

export async function goLiveState(scope: OrgScope | SystemOrgScope): Promise<GoLiveState> {
  const db = await getDb();
  const [staged, events, applies] = await Promise.all([
    stagedVersion(db, scope),
    liveEvents(db, scope),
    latestApplies(db, scope),
  ]);
  const live = liveVersionFrom(scope, events);
  const validDays = getEnv().TEST_LOGIN_VALID_DAYS;
  const gate = await evaluateGate(scope, staged, live, applies, validDays);
  return { staged, live, applies, gate, rollBackTo: rollBackTarget(events)?.version ?? null, events, validDays };
}

async function evaluateGate(
  scope: OrgScope | SystemOrgScope,
  staged: StagedVersion | null,
  live: LiveVersion | null,
  applies: ApplyProgress[],
  validDays: number,
): Promise<GoLiveGate> {
  const refuse = (refusal: GateRefusal, passingTest: TestResultView | null = null): GoLiveGate => ({
    allowed: false,
    refusal,
    message: GATE_MESSAGES[refusal],
    passingTest,
  });
  if (!staged) return refuse("no-staged-version");
  if (applies.some((a) => a.status === "queued" || a.status === "running")) return refuse("apply-in-progress");
  if (live?.disabled) return refuse("live-disabled");
  const db = await getDb();
  // A passing test of exactly this version, run by a member of the organization (never support).
  const test = await db
    .selectFrom("test_logins")
    .innerJoin("memberships", (j) =>
      j
        .onRef("memberships.user_id", "=", "test_logins.started_by")
        .onRef("memberships.organization_id", "=", "test_logins.organization_id"),
    )
    .selectAll("test_logins")
    .where("test_logins.organization_id", "=", scope.org.id)
    .where("test_logins.version", "=", staged.version)
    .where("test_logins.protocol", "=", staged.protocol)
    .where("test_logins.status", "=", "passed")
    .orderBy("test_logins.finished_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!test) return refuse("no-passing-test");
  const view = toView(test);
  const age = Date.now() - new Date(test.finished_at ?? test.started_at).getTime();
  if (age > validDays * 86_400_000) return refuse("test-too-old", view);
  if (live && live.version === staged.version && live.protocol === staged.protocol) return refuse("already-live", view);
  return { allowed: true, refusal: null, message: "", passingTest: view };
}

/** The previous live version: the newest written one older than the current live one. */
function rollBackTarget(events: LiveEvent[]): LiveEvent | null {
  const written = events.filter((e) => (e.action === "go-live" || e.action === "roll-back") && e.desired);
  const current = written[0];
  if (!current) return null;
  return written.find((e) => e.version !== current.version) ?? null;
}

export type LiveActionResult = { ok: true; jobId: string; version: number } | { ok: false; message: string };

/** Go live with the staged version, if the gate allows it (checked again here, whatever the page showed). */
export async function goLive(scope: OrgScope): Promise<LiveActionResult> {
  assertOrgPermission(scope, "org:sso:go-live");
  const state = await goLiveState(scope);
  if (!state.gate.allowed || !state.staged || !state.gate.passingTest) {
    const db = await getDb();
    await recordAudit(db, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      organizationId: scope.org.id,
      action: "connection.go_live",
      outcome: "denied",
      details: { refusal: state.gate.refusal, version: state.staged?.version ?? null },
    });
    return { ok: false, message: state.gate.message };
  }
  const staged = state.staged;
  const db = await getDb();
  // The tested configuration, as Auth0 holds it on the -test connection (secrets included).
  const tested = await portalGateway(db).findOwnedConnection(scope, staged.protocol, "go-live", "test");
  if (!tested || tested.version !== staged.version) {
    return {
      ok: false,
      message: "The staged connection no longer holds the tested version (a newer one is being applied). Test again.",
    };
  }
  const tenant = getTenantConfig();
  const connection = {
    protocol: staged.protocol,
    stage: "live" as const,
    strategy: tested.strategy === "oidc" ? ("oidc" as const) : ("samlp" as const),
    version: staged.version,
    displayName: tested.connection.display_name ?? scope.org.name,
    options: sealSecretOptions(tested.connection.options ?? {}, getSecretsKey()),
  };
  return writeLive(scope, "go-live", connection, state.gate.passingTest.id, false, tenant.productionClientIds);
}

/** Puts the previous live version back on the live connection. */
export async function rollBack(scope: OrgScope): Promise<LiveActionResult> {
  assertOrgPermission(scope, "org:sso:go-live");
  const state = await goLiveState(scope);
  const target = rollBackTarget(state.events);
  if (!target?.desired) return { ok: false, message: "There is no earlier live version to roll back to." };
  if (state.live?.disabled) return { ok: false, message: GATE_MESSAGES["live-disabled"] };
  if (state.applies.some((a) => a.status === "queued" || a.status === "running")) {
    return { ok: false, message: GATE_MESSAGES["apply-in-progress"] };
  }
  const connection = target.desired as unknown as LiveConnection;
  return writeLive(
    scope,
    "roll-back",
    connection,
    null,
    true,
    getTenantConfig().productionClientIds,
    state.live?.version ?? null,
  );
}

type LiveConnection = {
  protocol: "saml" | "oidc";
  stage: "live";
  strategy: "samlp" | "oidc";
  version: number;
  displayName: string;
  options: Record<string, unknown>;
};

async function writeLive(
  scope: OrgScope,
  action: "go-live" | "roll-back",
  connection: LiveConnection,
  testLoginId: string | null,
  allowOlderVersion: boolean,
  productionClientIds: string[],
  fromVersion: number | null = null,
): Promise<LiveActionResult> {
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const desired = desiredApplySchema.parse({
      connection: { ...connection, allowOlderVersion },
      enabledClients: productionClientIds,
      organization: { assignMembershipOnLogin: true, showAsButton: true },
      aliasVerifiedDomains: true,
    });
    // The options arrive sealed (go live seals what it read; a roll back's were stored sealed).
    desired.connection.options = sealSecretOptions(desired.connection.options, getSecretsKey());
    const jobId = await enqueueJob(trx, scope, connectionJobKind(action), connection.version, desired);
    await trx
      .insertInto("live_events")
      .values({
        organization_id: scope.org.id,
        protocol: connection.protocol,
        action,
        version: connection.version,
        test_login_id: testLoginId,
        desired: JSON.stringify(connection),
        job_id: jobId,
        actor_user_id: scope.user.id,
        actor_label: scope.user.email,
      })
      .execute();
    await recordAudit(trx, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      organizationId: scope.org.id,
      action: action === "go-live" ? "connection.go_live" : "connection.roll_back",
      target: jobId,
      details: { version: connection.version, protocol: connection.protocol, testLoginId },
    });
    await queueLiveMail(trx, {
      organizationId: scope.org.id,
      kind: action === "go-live" ? "live.go_live" : "live.roll_back",
      eventKey: jobId,
      page: "sso/live",
      facts: { version: connection.version, actor: scope.user.email, ...(fromVersion ? { fromVersion } : {}) },
    });
    return { ok: true as const, jobId, version: connection.version };
  });
}

/**
 * A support lead turns an organization's live connection off (an emergency: a compromised IdP)
 * or on again, with a reason. Off: not enabled for the production applications nor the Auth0
 * organization, so nobody signs in through it; the connection and its users stay. At once: both
 * writes are deltas, no read–merge–write to serialize.
 */
export async function setLiveConnectionEnabled(
  scope: SupportScope,
  organizationId: string,
  enabled: boolean,
  reason: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  assertSupportPermission(scope, "support:connections:disable");
  const why = reason.trim();
  if (why.length < 3)
    return { ok: false, message: "Give a reason (it is shown to the organization and kept in the audit log)." };
  const db = await getDb();
  const system = await supportActingOn(scope, organizationId);
  if (!system) return { ok: false, message: "There is no such organization." };
  const live = liveVersionFrom(system, await liveEvents(db, system));
  if (!live) return { ok: false, message: "This organization has no live connection." };
  if (!!live.disabled === !enabled) {
    return {
      ok: false,
      message: enabled ? "The live connection is already enabled." : "The live connection is already disabled.",
    };
  }
  const gw = portalGateway(db);
  const owned = await gw.findOwnedConnection(system, live.protocol, enabled ? "enable" : "disable", "live");
  if (!owned) return { ok: false, message: "The live connection does not exist in Auth0 (any more)." };
  const clients = getTenantConfig().productionClientIds;
  try {
    if (enabled) {
      if (clients.length) await gw.setClients(system, owned, clients, true);
      if (system.org.auth0OrgId) {
        await gw.enableForOrganization(system, owned, { assignMembershipOnLogin: true, showAsButton: true });
      }
    } else {
      await gw.disableConnection(system, owned, clients);
    }
  } catch (err) {
    if (err instanceof NotFoundError) return { ok: false, message: err.message };
    throw err;
  }
  await db.transaction().execute(async (trx) => {
    const event = await trx
      .insertInto("live_events")
      .values({
        organization_id: system.org.id,
        protocol: live.protocol,
        action: enabled ? "enable" : "disable",
        version: live.version,
        actor_user_id: scope.user.id,
        actor_label: scope.user.email,
        reason: why.slice(0, 1000),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      organizationId: system.org.id,
      action: enabled ? "connection.enable" : "connection.disable",
      target: owned.id,
      details: { reason: why.slice(0, 1000), connection: owned.name },
    });
    await queueLiveMail(trx, {
      organizationId: system.org.id,
      kind: enabled ? "live.enabled" : "live.disabled",
      eventKey: event.id,
      page: "sso/live",
      facts: { version: live.version, actor: scope.user.email, reason: why.slice(0, 1000) },
    });
  });
  return { ok: true };
}

export const LIVE_PAGE_SIZE = 50;

/** Support: a page of the organizations that have gone live, by name, with what is live now. */
export async function listLiveConnections(
  scope: SupportScope,
  options: { page?: number; search?: string } = {},
): Promise<{ rows: LiveConnectionRow[]; total: number; page: number; pageSize: number }> {
  assertSupportPermission(scope, "support:orgs:read");
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const { rows, total } = await liveConnections(await getDb(), {
    search: options.search,
    limit: LIVE_PAGE_SIZE,
    offset: (page - 1) * LIVE_PAGE_SIZE,
  });
  return { rows, total, page, pageSize: LIVE_PAGE_SIZE };
}

/** Support: an organization's live state, by its id. */
export async function liveStateForSupport(scope: SupportScope, organizationId: string): Promise<LiveVersion | null> {
  assertSupportPermission(scope, "support:orgs:read");
  const system = await supportActingOn(scope, organizationId);
  return system ? liveVersionFrom(system, await liveEvents(await getDb(), system)) : null;
}

/** Support acting on an organization named by id (as the services of its own resources take it); null if none. */
async function supportActingOn(scope: SupportScope, organizationId: string): Promise<SystemOrgScope | null> {
  const org = await findScopedOrganization(await getDb(), { id: organizationId });
  return org ? actingFor(scope, org) : null;
}
