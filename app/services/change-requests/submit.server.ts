import { sql, type Transaction } from "kysely";
import type { ValidationReport } from "~/validators/index";
import type { ConnectionConfiguration } from "../connections/configuration";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrgScope, SystemOrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { ChangeRequestRow, Database } from "../platform/db/schema";
import { approveAndQueue } from "./apply-queue.server";
import { comparableFor } from "./comparable";
import { changedRows, diffConnections, secretChanged, summarizeDiff } from "./diff";
import { changeDesiredSchema, parseDesired } from "./desired";
import { moveChange, normalizeChange, NOT_FOUND, type MoveResult } from "./moves.server";
import { decide } from "./policies";
import { isOrganizationTrusted, readPolicySettings } from "./policy-settings.server";

/**
 * The customer's side of a change: submit the organization's draft for review (the policies may
 * approve it at once), withdraw it while it waits, restore an applied version as a new change.
 * The draft (app/services/connections/drafts.server.ts) is `submitted` while its change waits,
 * editable again when the change is withdrawn or rejected, and gone once one is approved.
 */
export interface SubmitInput {
  configuration: ConnectionConfiguration;
  report: ValidationReport;
  /** Set when restoring an applied version. */
  restoredVersion?: number;
}

/** The organization's latest applied change: what a new one is compared with. */
export async function latestApplied(
  trx: Transaction<Database>,
  organizationId: string,
): Promise<ChangeRequestRow | undefined> {
  const row = await trx
    .selectFrom("change_requests")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("state", "=", "applied")
    .where("version", "is not", null)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? normalizeChange(row) : undefined;
}

class Refused extends Error {
  constructor(readonly result: MoveResult) {
    super("refused");
  }
}

/** Submits the organization's draft as it was when the administrator looked at it (`draftVersion`). */
export async function submitDraft(
  scope: OrgScope,
  draftVersion: number,
  options: { now?: Date } = {},
): Promise<MoveResult> {
  assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  try {
    return await db.transaction().execute(async (trx) => {
      const draft = await trx
        .updateTable("connection_drafts")
        .set({ state: "submitted", updated_at: new Date() })
        .where("organization_id", "=", scope.org.id)
        .where("version", "=", draftVersion)
        .where("state", "=", "draft")
        .returning(["configuration", "report"])
        .executeTakeFirst();
      if (!draft) {
        return {
          ok: false as const,
          status: 409 as const,
          error: "The draft changed since you opened this page (saved, submitted or discarded). Look at it again.",
        };
      }
      const json = <T>(v: unknown) => (typeof v === "string" ? JSON.parse(v) : v) as T;
      const result = await submitIn(
        trx,
        scope,
        {
          configuration: json<ConnectionConfiguration>(draft.configuration),
          report: json<ValidationReport>(draft.report),
        },
        options.now ?? new Date(),
      );
      if (!result.ok) throw new Refused(result); // the draft stays editable
      return result;
    });
  } catch (err) {
    if (err instanceof Refused) return err.result;
    throw err;
  }
}

/**
 * A change the portal proposes itself for an organization — the metadata monitor's new signing
 * certificate — submitted like a customer's (the policies may approve it at once) with the
 * monitor as its author.
 */
export async function submitSystemChange(
  trx: Transaction<Database>,
  scope: SystemOrgScope,
  input: SubmitInput,
  now: Date,
): Promise<MoveResult> {
  return submitIn(trx, scope, input, now);
}

/**
 * A configuration straight from the validators (restores, scripts and tests), or one the vendor's
 * own systems send (the API, with a key's scope acting for the organization): submitted like an
 * administrator's, under the same policies, authored by the administrator or the key.
 */
export async function submitChange(
  scope: OrgScope | SystemOrgScope,
  input: SubmitInput,
  options: { now?: Date } = {},
): Promise<MoveResult> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  return db.transaction().execute((trx) => submitIn(trx, scope, input, options.now ?? new Date()));
}

async function submitIn(
  trx: Transaction<Database>,
  scope: OrgScope | SystemOrgScope,
  input: SubmitInput,
  now: Date,
): Promise<MoveResult> {
  const author =
    scope.kind === "org"
      ? { actor: scope, userId: scope.user.id, label: scope.user.email }
      : { actor: { kind: "system" as const, actor: scope.actor }, userId: null, label: scope.actor };
  if (input.report.verdict === "error") {
    return {
      ok: false,
      status: 400,
      error: "The validation report has errors. Fix them (the report says how) before submitting.",
    };
  }
  const desired = changeDesiredSchema.parse({
    configuration: input.configuration,
    comparable: comparableFor(input.configuration, input.report),
    displayName: scope.org.name.slice(0, 128),
  });
  await sql`select id from organizations where id = ${scope.org.id} for update`.execute(trx);
  const base = await latestApplied(trx, scope.org.id);
  const baseComparable = base ? parseDesired(base.desired).comparable : null;
  const rows = diffConnections(baseComparable, desired.comparable);
  if (base && changedRows(rows).length === 0) {
    return {
      ok: false,
      status: 400,
      error: `This is the configuration already applied (version ${base.version}): there is nothing to submit.`,
    };
  }
  const previous =
    input.restoredVersion !== undefined && base
      ? await trx
          .selectFrom("change_requests")
          .select("version")
          .where("organization_id", "=", scope.org.id)
          .where("state", "=", "applied")
          .where("version", "<", base.version!)
          .orderBy("version", "desc")
          .limit(1)
          .executeTakeFirst()
      : undefined;
  const secret = secretChanged(baseComparable, desired.comparable);
  const decision = decide(
    {
      base: baseComparable,
      proposed: desired.comparable,
      secretChanged: secret,
      organizationTrusted: await isOrganizationTrusted(trx, scope.org.id),
      restoresPreviousVersion: previous !== undefined && previous.version === input.restoredVersion,
      now,
    },
    await readPolicySettings(trx),
  );
  const summary = summarizeDiff(rows);
  const inserted = await trx
    .insertInto("change_requests")
    .values({
      organization_id: scope.org.id,
      protocol: desired.comparable.protocol,
      desired: JSON.stringify(desired),
      report: JSON.stringify(input.report),
      verdict: input.report.verdict,
      summary: input.restoredVersion !== undefined ? `Restores version ${input.restoredVersion}: ${summary}` : summary,
      secret_changed: secret,
      base_change_id: base?.id ?? null,
      base_version: base?.version ?? null,
      restored_version: input.restoredVersion ?? null,
      risk: decision.risk,
      policy_rule: decision.rule,
      policy_reason: decision.reason,
      author_user_id: author.userId,
      author_label: author.label,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const id = String(inserted.id);
  const submitted = await moveChange(trx, author.actor, id, "submit", () => ({ submitted_at: now }), {
    risk: decision.risk,
    rule: decision.rule,
  });
  if (!submitted.ok || decision.decision !== "auto_approve") return submitted;
  return approveAndQueue(
    trx,
    { kind: "system", actor: `policy: ${decision.rule}` },
    id,
    "auto_approve",
    { reviewer_label: `policy: ${decision.rule}`, reviewed_at: now },
    { rule: decision.rule, reason: decision.reason },
  );
}

/** After a withdrawal or rejection the organization's submitted draft is editable again. */
export async function reopenDraft(trx: Transaction<Database>, organizationId: string): Promise<void> {
  await trx
    .updateTable("connection_drafts")
    .set((eb) => ({ state: "draft", version: eb("version", "+", 1), updated_at: new Date() }))
    .where("organization_id", "=", organizationId)
    .where("state", "=", "submitted")
    .execute();
}

/** Withdraws a change that still waits (or is a draft). */
export async function withdrawChange(scope: OrgScope, changeId: string): Promise<MoveResult> {
  assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const result = await moveChange(trx, scope, changeId, "withdraw");
    if (result.ok) await reopenDraft(trx, result.change.organization_id);
    return result;
  });
}

/** A new change request holding an applied version's configuration, under the same policies. */
export async function restoreVersion(scope: OrgScope, version: number): Promise<MoveResult> {
  assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  const row = await db
    .selectFrom("change_requests")
    .select(["desired", "report"])
    .where("organization_id", "=", scope.org.id)
    .where("version", "=", version)
    .where("state", "=", "applied")
    .executeTakeFirst();
  if (!row) return { ok: false, status: 404, error: NOT_FOUND };
  const report = (typeof row.report === "string" ? JSON.parse(row.report) : row.report) as ValidationReport;
  return submitChange(scope, {
    configuration: parseDesired(row.desired).configuration,
    report,
    restoredVersion: version,
  });
}
