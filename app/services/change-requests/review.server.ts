import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import type { OrgScope, SupportScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import { approveAndQueue, queueApplyFor } from "./apply-queue.server";
import { moveChange, type MoveResult } from "./moves.server";
import { reopenDraft } from "./submit.server";

/** Support's side: approve (queues the apply job) or reject with a reason; retry a failed apply. */

export const REASON_MAX = 2000;

export async function approveChange(scope: SupportScope, changeId: string): Promise<MoveResult> {
  assertSupportPermission(scope, "support:changes:review");
  const db = await getDb();
  return db.transaction().execute((trx) =>
    approveAndQueue(trx, scope, changeId, "approve", {
      reviewer_user_id: scope.user.id,
      reviewer_label: scope.user.email,
      reviewed_at: new Date(),
    }),
  );
}

export async function rejectChange(scope: SupportScope, changeId: string, reason: string): Promise<MoveResult> {
  assertSupportPermission(scope, "support:changes:review");
  const text = reason.trim();
  if (!text) return { ok: false, status: 400, error: "Give the reason: the customer reads it to fix the change." };
  if (text.length > REASON_MAX)
    return { ok: false, status: 400, error: `Keep the reason under ${REASON_MAX} characters.` };
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const result = await moveChange(
      trx,
      scope,
      changeId,
      "reject",
      () => ({
        reviewer_user_id: scope.user.id,
        reviewer_label: scope.user.email,
        reviewed_at: new Date(),
        reason: text,
      }),
      { reason: text },
    );
    if (result.ok) await reopenDraft(trx, result.change.organization_id);
    return result;
  });
}

/** A failed apply that a retry can fix (Auth0 unavailable, rate limited): queue it again, same version. */
export async function retryChange(scope: OrgScope | SupportScope, changeId: string): Promise<MoveResult> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:manage");
  else assertSupportPermission(scope, "support:changes:review");
  const db = await getDb();
  return db
    .transaction()
    .execute(async (trx) => {
      const result = await moveChange(trx, scope, changeId, "retry", async (change) => {
        if (!change.apply_retryable) throw new NotRetryable();
        return queueApplyFor(trx, change);
      });
      return result;
    })
    .catch((err: unknown) => {
      if (err instanceof NotRetryable) {
        return {
          ok: false as const,
          status: 409 as const,
          error: "Retrying would fail the same way: change the configuration and submit it again.",
        };
      }
      throw err;
    });
}

class NotRetryable extends Error {}
