import { sql, type Transaction, type Updateable } from "kysely";
import { recordAudit } from "../audit/audit.server";
import type { ChangeRequestRow, ChangeRequestsTable, Database } from "../platform/db/schema";
import type { OrgScope, SupportScope } from "../identity/scope.server";
import { checkMove, MOVES, type ChangeMove, type MoveActorKind } from "./states";
import { queueChangeMail } from "./notify.server";

/**
 * The one function through which every change request changes state. In the caller's
 * transaction it locks the organization's row (so two moves of one organization's changes — two
 * approvals, an approval and a withdrawal, two instances — run one after the other), then the
 * change's row; checks that the actor may make the move from the state the change is in *now*;
 * writes the new state, the audit row and the e-mails to send, all in that transaction.
 */

/** The portal itself acting (policies, the apply job's outcome, superseding). */
export interface SystemActor {
  kind: "system";
  actor: string;
}

export type ChangeActor = OrgScope | SupportScope | SystemActor;

export type ChangeUpdate = Omit<Updateable<ChangeRequestsTable>, "id" | "organization_id" | "state">;

export type MoveResult =
  | { ok: true; change: ChangeRequestRow; from: ChangeRequestRow["state"] }
  | { ok: false; status: 400 | 403 | 404 | 409; error: string };

export const NOT_FOUND = "This change does not exist, or you do not have access to it.";

function actorKind(actor: ChangeActor): MoveActorKind {
  return actor.kind;
}

function actorLabel(actor: ChangeActor): string {
  return actor.kind === "system" ? actor.actor : actor.user.email;
}

function actorUserId(actor: ChangeActor): string | null {
  return actor.kind === "system" ? null : actor.user.id;
}

export function normalizeChange(row: ChangeRequestRow): ChangeRequestRow {
  return {
    ...row,
    id: String(row.id),
    base_change_id: row.base_change_id === null ? null : String(row.base_change_id),
    apply_job_id: row.apply_job_id === null ? null : String(row.apply_job_id),
  };
}

/**
 * Makes `move` on change `changeId`. `update` runs after every check passed (under the locks) and
 * returns the other columns to write with the new state, e.g. the reviewer or the queued job.
 */
export async function moveChange(
  trx: Transaction<Database>,
  actor: ChangeActor,
  changeId: string,
  move: ChangeMove,
  update: (change: ChangeRequestRow) => Promise<ChangeUpdate> | ChangeUpdate = () => ({}),
  details: Record<string, unknown> = {},
): Promise<MoveResult> {
  if (!/^\d{1,18}$/.test(changeId)) return { ok: false, status: 404, error: NOT_FOUND };
  const owner = await trx
    .selectFrom("change_requests")
    .select("organization_id")
    .where("id", "=", changeId)
    .executeTakeFirst();
  // Another organization's change answers exactly like a missing one.
  if (!owner || (actor.kind === "org" && actor.org.id !== owner.organization_id)) {
    return { ok: false, status: 404, error: NOT_FOUND };
  }
  await sql`select id from organizations where id = ${owner.organization_id} for update`.execute(trx);
  const locked = await trx
    .selectFrom("change_requests")
    .selectAll()
    .where("id", "=", changeId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const change = normalizeChange(locked);

  const refusal = refuse(actor, change, move);
  const check = checkMove(change.state, move, actorKind(actor));
  const error = refusal ?? (check.ok ? null : { status: 409 as const, error: check.error });
  // Every move, made or refused, is audited alike: who, which move, on which change.
  const audit = (outcome: "success" | "denied", details: Record<string, unknown>) =>
    recordAudit(trx, {
      actorUserId: actorUserId(actor),
      actorLabel: actorLabel(actor),
      organizationId: change.organization_id,
      action: MOVES[move].action,
      target: `change #${change.id}`,
      outcome,
      details,
    });
  if (error || !check.ok) {
    await audit("denied", { state: change.state, reason: error?.error });
    return { ok: false, status: error?.status ?? 409, error: error?.error ?? "Refused." };
  }

  const extra = await update(change);
  const moved = await trx
    .updateTable("change_requests")
    .set({ ...extra, state: check.to, updated_at: sql`now()` })
    .where("id", "=", changeId)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = normalizeChange(moved);
  await audit("success", { from: change.state, to: after.state, ...details });
  const audience = MOVES[move].notify;
  if (audience) await queueChangeMail(trx, after, move, audience, actorLabel(actor));
  return { ok: true, change: after, from: change.state };
}

/** Who may not make a move whatever the state: the author reviewing their own change, a viewer. */
function refuse(
  actor: ChangeActor,
  change: ChangeRequestRow,
  move: ChangeMove,
): { status: 400 | 403; error: string } | null {
  if (actor.kind === "org" && actor.role !== "org_admin") {
    return { status: 403, error: "Only an administrator of the organization can do this." };
  }
  if (
    actor.kind === "support" &&
    (move === "approve" || move === "reject") &&
    change.author_user_id === actor.user.id
  ) {
    return { status: 403, error: "You submitted this change yourself: another member of support must review it." };
  }
  return null;
}
