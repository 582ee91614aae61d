import type { Kysely, Transaction } from "kysely";
import type { Database } from "../platform/db/schema";
import { currentRequest } from "../platform/request-context.server";

/**
 * The audit log: one row per thing someone did or was refused. Written in the same transaction
 * as the change it records, whenever there is one (pass the transaction as `db`).
 */
export interface AuditEntry {
  actorUserId?: string | null;
  /** Who, in words: an e-mail, "anonymous", "apply-worker". */
  actorLabel: string;
  organizationId?: string | null;
  /** Dotted verb, e.g. "session.sign_in", "access.denied", "connection.apply". */
  action: string;
  target?: string | null;
  outcome?: "success" | "denied" | "failure";
  /** Never secrets: callers pass ids and names, not bodies. */
  details?: Record<string, unknown>;
}

/**
 * Who acted, for an audit row, from any scope: a person (their user id and e-mail), or a system
 * or an API key (its label, no user). The one way every service derives it.
 */
export function auditActor(
  scope: { user: { id: string; email: string } } | { actor: string },
): Pick<AuditEntry, "actorUserId" | "actorLabel"> {
  return "user" in scope
    ? { actorUserId: scope.user.id, actorLabel: scope.user.email }
    : { actorUserId: null, actorLabel: scope.actor };
}

/**
 * Records what `scope` did: who acted comes from the scope, and so does the organization for a scope
 * of one organization, unless the entry names one.
 */
export async function recordAuditOf(
  db: Kysely<Database> | Transaction<Database>,
  scope: Parameters<typeof auditActor>[0] & { org?: { id: string } },
  entry: Omit<AuditEntry, "actorUserId" | "actorLabel">,
): Promise<void> {
  await recordAudit(db, { ...auditActor(scope), organizationId: scope.org?.id, ...entry });
}

export async function recordAudit(db: Kysely<Database> | Transaction<Database>, entry: AuditEntry): Promise<void> {
  const request = currentRequest();
  await db
    .insertInto("audit_events")
    .values({
      actor_user_id: entry.actorUserId ?? null,
      actor_label: entry.actorLabel,
      organization_id: entry.organizationId ?? null,
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome ?? "success",
      ip: request?.ip ?? null,
      user_agent: request?.userAgent?.slice(0, 512) ?? null,
      request_id: request?.requestId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
