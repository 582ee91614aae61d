import type { OutboxMessage } from "../platform/db/schema";
import { countByStatus } from "../platform/db/row-queries.server";
import type { ScopedUser, SupportScope } from "../identity/scope.server";
import { singleton } from "../platform/singleton.server";
import type { RenderedMail } from "./templates";
import type { Executor } from "../platform/db.server";

/**
 * The outbox: every notification is a row, written in the same transaction as the change it tells
 * about (so a mail is queued exactly when the change happened, and a failing SMTP server can never
 * undo it). The mailer delivers the rows; in local mode the rows are the mailbox, read at /outbox.
 */

export interface QueuedMail extends RenderedMail {
  /** One message per event and recipient, e.g. "change:42:approved": queuing it again does nothing. */
  dedupeKey: string;
  to: string;
  toUserId?: string | null;
  organizationId?: string | null;
  kind: string;
  link: string;
}

const wakers = singleton("outbox-wakers", () => new Set<() => void>());

/** The mailer in this process hears about new mail at once instead of at its next poll. */
export function onMailQueued(listener: () => void): () => void {
  wakers.add(listener);
  return () => wakers.delete(listener);
}

export async function queueMail(db: Executor, mails: QueuedMail[]): Promise<void> {
  if (mails.length === 0) return;
  await db
    .insertInto("outbox_messages")
    .values(
      mails.map((m) => ({
        dedupe_key: `${m.dedupeKey}:${m.to.toLowerCase()}`,
        to_address: m.to.toLowerCase(),
        to_user_id: m.toUserId ?? null,
        organization_id: m.organizationId ?? null,
        kind: m.kind,
        subject: m.subject,
        text_body: m.text,
        html_body: m.html,
        link: m.link,
      })),
    )
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
  for (const wake of wakers) setImmediate(wake);
}

export const OUTBOX_PAGE_SIZE = 25;

export interface OutboxPage {
  messages: OutboxMessage[];
  /** The id to pass as `before` for the next (older) page, or null on the last one. */
  nextBefore: string | null;
}

/**
 * Mail as its reader may see it: support reads every message, anyone else only what was sent to
 * their own address. Newest first, paged by id.
 */
export async function readOutbox(
  db: Executor,
  reader: SupportScope | { kind: "user"; user: ScopedUser },
  options: { before?: string | null; limit?: number } = {},
): Promise<OutboxPage> {
  const limit = options.limit ?? OUTBOX_PAGE_SIZE;
  let q = db
    .selectFrom("outbox_messages")
    .selectAll()
    .orderBy("id", "desc")
    .limit(limit + 1);
  if (reader.kind !== "support") q = q.where("to_address", "=", reader.user.email.toLowerCase());
  if (options.before && /^\d+$/.test(options.before)) q = q.where("id", "<", options.before);
  const rows = await q.execute();
  const messages = rows.slice(0, limit).map((r) => ({ ...r, id: String(r.id) }));
  return { messages, nextBefore: rows.length > limit ? messages[messages.length - 1]!.id : null };
}

/** One message, if the reader may see it. */
export async function readOutboxMessage(
  db: Executor,
  reader: SupportScope | { kind: "user"; user: ScopedUser },
  id: string,
): Promise<OutboxMessage | null> {
  if (!/^\d+$/.test(id)) return null;
  let q = db.selectFrom("outbox_messages").selectAll().where("id", "=", id);
  if (reader.kind !== "support") q = q.where("to_address", "=", reader.user.email.toLowerCase());
  const row = await q.executeTakeFirst();
  return row ? { ...row, id: String(row.id) } : null;
}

export async function countOutboxByStatus(db: Executor): Promise<Record<string, number>> {
  return countByStatus(db, "outbox_messages");
}
