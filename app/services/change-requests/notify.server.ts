import type { Kysely, Transaction } from "kysely";
import type { ChangeRequestRow, Database } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { getPublicUrl } from "../platform/public-url.server";
import { LOCAL_SUPPORT_ADMINS, LOCAL_SUPPORT_AGENTS } from "../identity/vendor-roles.server";
import { queueMail } from "../notifications/outbox.server";
import { renderChangeMail, type MailKind } from "../notifications/templates";
import type { MoveAudience, ChangeMove } from "./states";

/**
 * The e-mails a change's moves send: to support when it waits for review, to the organization's
 * administrators when it is approved, rejected, applied or failed. Queued in the move's own
 * transaction; the mailer delivers them later, so a mail server being down never undoes a move.
 */
const MAIL_FOR_MOVE: Partial<Record<ChangeMove, MailKind>> = {
  submit: "change.waiting_review",
  approve: "change.approved",
  auto_approve: "change.approved",
  reject: "change.rejected",
  finish_apply: "change.applied",
  fail_apply: "change.failed",
};

/** The organization's administrators' addresses (the people its notifications go to). */
export async function organizationAdmins(
  db: Kysely<Database> | Transaction<Database>,
  organizationId: string,
): Promise<{ email: string; userId: string }[]> {
  return db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.email", "users.id as userId"])
    .where("memberships.organization_id", "=", organizationId)
    .where("memberships.role", "=", "org_admin")
    .execute();
}

/** Vendor staff named in the configuration (and, in local mode, the seeded Sam and Lena). */
export function supportAddresses(): string[] {
  const env = getEnv();
  const all = [
    ...env.SUPPORT_ADMIN_EMAILS,
    ...env.SUPPORT_AGENT_EMAILS,
    ...(env.localMode ? [...LOCAL_SUPPORT_ADMINS, ...LOCAL_SUPPORT_AGENTS] : []),
  ];
  return [...new Set(all.map((e) => e.toLowerCase()))];
}

export async function queueChangeMail(
  trx: Transaction<Database>,
  change: ChangeRequestRow,
  move: ChangeMove,
  audience: Exclude<MoveAudience, null>,
  actorLabel: string,
): Promise<void> {
  const kind = MAIL_FOR_MOVE[move];
  if (!kind) return;
  const org = await trx
    .selectFrom("organizations")
    .select(["name", "slug"])
    .where("id", "=", change.organization_id)
    .executeTakeFirstOrThrow();
  const base = getPublicUrl();
  const link =
    audience === "support"
      ? `${base}/support/changes/${change.id}`
      : `${base}/orgs/${org.slug}/sso#change-${change.id}`;
  const recipients: { email: string; userId: string | null }[] =
    audience === "support"
      ? supportAddresses().map((email) => ({ email, userId: null }))
      : await organizationAdmins(trx, change.organization_id);
  const reason =
    move === "reject"
      ? (change.reason ?? undefined)
      : move === "fail_apply"
        ? (change.apply_error ?? undefined)
        : move === "submit" || move === "auto_approve"
          ? change.policy_reason
          : undefined;
  const mail = renderChangeMail(kind, {
    organizationName: org.name,
    changeId: change.id,
    author: change.author_label,
    summary: change.summary,
    ...(move === "approve" || move === "reject" ? { reviewer: actorLabel } : {}),
    ...(reason ? { reason } : {}),
    ...(change.version !== null ? { version: change.version } : {}),
    link,
  });
  await queueMail(
    trx,
    recipients.map((r) => ({
      ...mail,
      dedupeKey: `change:${change.id}:${move}:${change.apply_job_id ?? ""}`,
      to: r.email,
      toUserId: r.userId,
      organizationId: change.organization_id,
      kind,
      link,
    })),
  );
}
