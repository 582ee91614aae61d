import { sql, type Transaction } from "kysely";
import { enqueueStagedApply } from "../go-live/stages.server";
import { getScopedOrganization } from "../organizations/scoped-organization.server";
import type { ChangeRequestRow, Database } from "../platform/db/schema";
import { moveChange, type ChangeActor, type ChangeUpdate, type SystemActor } from "./moves.server";
import { desiredStateFor } from "../connections/configuration.server";
import { parseDesired } from "./desired";

/**
 * From an approved change to a queued apply job: the organization's next version number (given
 * under the organization's lock, so two approvals never share one), and the job carrying the
 * whole desired state with that version. The job writes the organization's staged `-test`
 * connection, enabled for the test application only (ADR 009): the live connection keeps serving
 * until the customer has tested this version and puts it live.
 */
export async function queueApplyFor(trx: Transaction<Database>, change: ChangeRequestRow): Promise<ChangeUpdate> {
  const org = await getScopedOrganization(trx, change.organization_id);
  let version = change.version;
  if (version === null) {
    // After every change's version and every job's (support may accept Auth0's version as a new one).
    const latest = await sql<{ v: number | string | null }>`
      select greatest(
        (select max(version) from change_requests where organization_id = ${change.organization_id}),
        (select max(version) from apply_jobs where organization_id = ${change.organization_id})) as v`.execute(trx);
    version = Number(latest.rows[0]?.v ?? 0) + 1;
  }
  const desired = parseDesired(change.desired);
  const { connection } = desiredStateFor(desired.configuration, { version, displayName: desired.displayName });
  const jobId = await enqueueStagedApply(trx, { kind: "system", actor: `change #${change.id}`, org }, { connection });
  return { version, apply_job_id: jobId, apply_error: null, apply_retryable: null };
}

/** Older changes of the organization still in draft or waiting: replaced by the one just approved. */
export async function supersedeOlder(trx: Transaction<Database>, approved: ChangeRequestRow): Promise<void> {
  const older = await trx
    .selectFrom("change_requests")
    .select("id")
    .where("organization_id", "=", approved.organization_id)
    .where("state", "in", ["draft", "pending_review"])
    .where("id", "<", approved.id)
    .execute();
  const system: SystemActor = { kind: "system", actor: "portal" };
  for (const row of older) {
    await moveChange(
      trx,
      system,
      String(row.id),
      "supersede",
      () => ({ reason: `Replaced by change #${approved.id}.` }),
      {
        by: approved.id,
      },
    );
  }
}

/** Approval (by support or a policy): the approved move, the apply job, the older changes superseded. */
export async function approveAndQueue(
  trx: Transaction<Database>,
  actor: ChangeActor,
  changeId: string,
  move: "approve" | "auto_approve",
  extra: ChangeUpdate = {},
  details: Record<string, unknown> = {},
) {
  const result = await moveChange(
    trx,
    actor,
    changeId,
    move,
    async (change) => ({ ...extra, ...(await queueApplyFor(trx, change)) }),
    details,
  );
  if (result.ok) {
    await supersedeOlder(trx, result.change);
    // The submitted draft is now this change; the next setup starts from what gets applied.
    await trx
      .deleteFrom("connection_drafts")
      .where("organization_id", "=", result.change.organization_id)
      .where("state", "=", "submitted")
      .execute();
  }
  return result;
}
