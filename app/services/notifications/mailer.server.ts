import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { sql, type Kysely } from "kysely";
import type { Database, OutboxMessage } from "../platform/db/schema";
import { logger } from "../platform/logger.server";
import { onMailQueued } from "./outbox.server";
import { countEmail } from "../monitoring/metrics.server";

/**
 * Delivers the outbox. Each round claims due rows with `FOR UPDATE SKIP LOCKED` (two portal
 * instances never take the same message), sends them, and marks them sent; a failure puts the row
 * back with a growing delay until `max_attempts`, then leaves it `dead` with the error. A crash
 * between sending and marking can repeat one message once its claim expires: the Message-ID is the
 * same every time, so the receiving server and mail clients show it once.
 */
export interface MailSender {
  /** "smtp", or "outbox" when the outbox page is the mailbox (local mode). */
  via: "smtp" | "outbox";
  send(message: OutboxMessage): Promise<void>;
  close(): void;
}

/** Local mode without SMTP_URL: nothing leaves the machine; the message is read at /outbox. */
export const outboxOnly: MailSender = { via: "outbox", send: async () => {}, close: () => {} };

export function createSmtpSender(smtpUrl: string, from: string): MailSender {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as SMTPTransport.Options);
  const host = new URL(smtpUrl).hostname || "localhost";
  return {
    via: "smtp",
    send: async (m) => {
      await transport.sendMail({
        from,
        to: m.to_address,
        subject: m.subject,
        text: m.text_body,
        html: m.html_body,
        messageId: `<outbox-${m.id}@${host}>`,
      });
    },
    close: () => transport.close(),
  };
}

export interface DeliveryResult {
  sent: number;
  retried: number;
  dead: number;
}

/** Delay before attempt n+1: 10 s, 20 s, 40 s … at most one hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** SMTP errors can quote the server's greeting or our login name; keep the first line, no URLs. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split("\n")[0]!
    .replace(/[a-z]+:\/\/\S+/gi, "[url]")
    .slice(0, 300);
}

export async function deliverDue(
  db: Kysely<Database>,
  sender: MailSender,
  options: { batch?: number; claimSeconds?: number } = {},
): Promise<DeliveryResult> {
  const batch = options.batch ?? 20;
  const claimSeconds = options.claimSeconds ?? 120;
  const claimed = await sql<OutboxMessage>`
    update outbox_messages
       set status = 'sending', attempts = attempts + 1,
           locked_until = now() + make_interval(secs => ${claimSeconds})
     where id in (
       select id from outbox_messages
        where (status = 'queued' and next_attempt_at <= now())
           or (status = 'sending' and locked_until < now())
        order by next_attempt_at, id
        limit ${batch}
        for update skip locked)
    returning *`.execute(db);
  const result: DeliveryResult = { sent: 0, retried: 0, dead: 0 };
  for (const row of claimed.rows) {
    const message = { ...row, id: String(row.id) };
    try {
      await sender.send(message);
      await db
        .updateTable("outbox_messages")
        .set({ status: "sent", sent_at: sql`now()`, delivered_via: sender.via, locked_until: null, last_error: null })
        .where("id", "=", message.id)
        .where("status", "=", "sending")
        .execute();
      result.sent++;
      countEmail("sent");
    } catch (err) {
      const dead = message.attempts >= message.max_attempts;
      await db
        .updateTable("outbox_messages")
        .set({
          status: dead ? "dead" : "queued",
          locked_until: null,
          last_error: errorText(err),
          next_attempt_at: new Date(Date.now() + retryDelayMs(message.attempts)),
        })
        .where("id", "=", message.id)
        .execute();
      logger.warn(
        { outboxId: message.id, attempts: message.attempts, dead, error: errorText(err) },
        dead ? "mail given up" : "mail delivery failed; will retry",
      );
      countEmail("failed");
      if (dead) result.dead++;
      else result.retried++;
    }
  }
  return result;
}

export interface RunningMailer {
  /** Runs one round now (tests, and new mail in this process). */
  kick(): Promise<DeliveryResult>;
  stop(): Promise<void>;
}

/** Delivers due mail every `intervalMs`, and at once when this process queues some. */
export function startMailer(
  db: Kysely<Database>,
  sender: MailSender,
  options: { intervalMs?: number } = {},
): RunningMailer {
  let running: Promise<DeliveryResult> | null = null;
  let again = false;
  let stopped = false;
  const round = (): Promise<DeliveryResult> => {
    if (running) {
      again = true;
      return running;
    }
    running = deliverDue(db, sender)
      .catch((err: unknown) => {
        if (!stopped) logger.error({ error: errorText(err) }, "mail round failed");
        return { sent: 0, retried: 0, dead: 0 };
      })
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void round();
        }
      });
    return running;
  };
  const timer = setInterval(() => void round(), options.intervalMs ?? 5_000);
  timer.unref();
  const unsubscribe = onMailQueued(() => void round());
  return {
    kick: round,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await running;
      sender.close();
    },
  };
}
