import { sql, type Transaction } from "kysely";
import { sealSecretOptions } from "../apply/jobs.server";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { ChangeRequestRow, Database } from "../platform/db/schema";
import { getSecretsKey } from "../platform/secrets.server";
import type { ReportBase } from "~/validators/report";
import { approveAndQueue } from "./apply-queue.server";
import { changedRows, diffConnections, summarizeDiff } from "./diff";
import { changeDesiredSchema, parseDesired, type ChangeDesired } from "./desired";
import { moveChange, normalizeChange, NOT_FOUND, type MoveResult } from "./moves.server";
import { decide } from "./policies";
import { isOrganizationTrusted, readPolicySettings } from "./policy-settings.server";

/**
 * The customer's side of a change: submit a desired configuration for review (the policies may
 * approve it at once), withdraw it while it waits, restore an applied version as a new change.
 */
export interface SubmitInput {
  desired: ChangeDesired;
  /** The validation report the configuration came from (shown to the reviewer). */
  report: ReportBase & Record<string, unknown>;
  /** The proposal carries a new client secret (its value is sealed, never shown). */
  secretChanged: boolean;
  /** Set when restoring an applied version. */
  restoredVersion?: number;
}

export type SubmitResult = MoveResult;

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

export async function submitChange(
  scope: OrgScope,
  input: SubmitInput,
  options: { now?: Date } = {},
): Promise<SubmitResult> {
  assertOrgPermission(scope, "org:sso:manage");
  if (input.report.verdict === "error") {
    return {
      ok: false,
      status: 400,
      error: "The validation report has errors. Fix them (the report says how) before submitting.",
    };
  }
  const desired = changeDesiredSchema.parse(input.desired);
  desired.apply.connection.options = sealSecretOptions(desired.apply.connection.options, getSecretsKey());
  const now = options.now ?? new Date();
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    await sql`select id from organizations where id = ${scope.org.id} for update`.execute(trx);
    const base = await latestApplied(trx, scope.org.id);
    const baseComparable = base ? parseDesired(base.desired).comparable : null;
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
    const decision = decide(
      {
        base: baseComparable,
        proposed: desired.comparable,
        secretChanged: input.secretChanged,
        organizationTrusted: await isOrganizationTrusted(trx, scope.org.id),
        restoresPreviousVersion: previous !== undefined && previous.version === input.restoredVersion,
        now,
      },
      await readPolicySettings(trx),
    );
    const rows = diffConnections(baseComparable, desired.comparable, { secretChanged: input.secretChanged });
    if (
      base &&
      changedRows(rows).length === 0 &&
      desired.apply.connection.displayName === parseDesired(base.desired).apply.connection.displayName
    ) {
      return {
        ok: false as const,
        status: 400 as const,
        error: `This is the configuration already applied (version ${base.version}): there is nothing to submit.`,
      };
    }
    const inserted = await trx
      .insertInto("change_requests")
      .values({
        organization_id: scope.org.id,
        protocol: desired.comparable.protocol,
        desired: JSON.stringify(desired),
        report: JSON.stringify(input.report),
        verdict: input.report.verdict,
        summary:
          input.restoredVersion !== undefined
            ? `Restore version ${input.restoredVersion}: ${summarizeDiff(rows)}`
            : summarizeDiff(rows),
        secret_changed: input.secretChanged,
        base_change_id: base?.id ?? null,
        base_version: base?.version ?? null,
        restored_version: input.restoredVersion ?? null,
        risk: decision.risk,
        policy_rule: decision.rule,
        policy_reason: decision.reason,
        author_user_id: scope.user.id,
        author_label: scope.user.email,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const id = String(inserted.id);
    const submitted = await moveChange(trx, scope, id, "submit", () => ({ submitted_at: now }), {
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
  });
}

/** Withdraws a change that still waits (or is a draft). */
export async function withdrawChange(scope: OrgScope, changeId: string): Promise<MoveResult> {
  assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  return db.transaction().execute((trx) => moveChange(trx, scope, changeId, "withdraw"));
}

/** A new change request holding an applied version's configuration, under the same policies. */
export async function restoreVersion(scope: OrgScope, version: number): Promise<SubmitResult> {
  assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  const row = await db
    .selectFrom("change_requests")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .where("version", "=", version)
    .where("state", "=", "applied")
    .executeTakeFirst();
  if (!row) return { ok: false, status: 404, error: NOT_FOUND };
  const desired = parseDesired(row.desired);
  const report = (typeof row.report === "string" ? JSON.parse(row.report) : row.report) as SubmitInput["report"];
  return submitChange(scope, { desired, report, secretChanged: false, restoredVersion: version });
}
