import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { sql, type Kysely } from "kysely";
import type { Database, OutboxMessage } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { logger } from "../platform/logger.server";
import { onMailQueued } from "./outbox.server";
import { countEmail } from "../monitoring/metrics.server";

/**
 * Delivers the outbox. Each round claims due rows with `FOR UPDATE SKIP LOCKED` (two portal
 * instances never take the same message), sends them, and marks them sent; a failure puts the row
 * back with a growing delay until `max_attempts`, then leaves it `dead` with the error. A crash
 * between sending and marking can repeat one message once its claim expires: the Message-ID is the
 * same every time, so the receiving server and mail clients show it once.
 *
 * Two deliverers share the work: every portal instance's mailer sends new mail (at once when this
 * process queued it, else at its next poll), and the `email-retries` scheduled job sends what
 * failed before or was left claimed by a process that died — once per period however many
 * processes run, with its outcome on /support/jobs and "Run now" for a support lead.
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

/** SMTP when SMTP_URL is set; otherwise the outbox page is the mailbox. */
export function mailSenderFromEnv(): MailSender {
  const env = getEnv();
  return env.SMTP_URL ? createSmtpSender(env.SMTP_URL, env.MAIL_FROM) : outboxOnly;
}

export interface DeliveryResult {
  sent: number;
  retried: number;
  dead: number;
  /** The first failure's error (one line, no URLs), when any failed. */
  firstError?: string;
}

/**
 * Delay before attempt n+1: 1, 2, 4, 8 … minutes, at most one hour. The `email-retries` job (every
 * minute by default) sends a message once its delay has passed.
 */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Which due messages a round takes: `new` (never tried: the mailer), or `retries` (failed before and
 * due again, or claimed by a process that died: the `email-retries` job).
 */
export type DueMail = "new" | "retries";

const DUE: Record<DueMail, ReturnType<typeof sql>> = {
  new: sql`status = 'queued' and attempts = 0 and next_attempt_at <= now()`,
  retries: sql`(status = 'queued' and attempts > 0 and next_attempt_at <= now())
            or (status = 'sending' and locked_until < now())`,
};

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
  options: { due: DueMail; batch?: number; claimSeconds?: number },
): Promise<DeliveryResult> {
  const batch = options.batch ?? 20;
  const due = DUE[options.due];
  const claimSeconds = options.claimSeconds ?? 120;
  const claimed = await sql<OutboxMessage>`
    update outbox_messages
       set status = 'sending', attempts = attempts + 1,
           locked_until = now() + make_interval(secs => ${claimSeconds})
     where id in (
       select id from outbox_messages
        where ${due}
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
      result.firstError ??= errorText(err);
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

/**
 * Sends new mail every `intervalMs`, and at once when this process queues some. What fails waits for
 * the `email-retries` job (emailRetriesJob).
 */
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
    running = deliverDue(db, sender, { due: "new" })
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

/**
 * The `email-retries` scheduled job: sends every message due for another attempt, a batch at a time
 * until none is left (or the runner stops). A run in which every attempt failed (the mail server is
 * down) fails, with the first error, so /support/jobs and the job metrics show it.
 */
export async function retryDueMail(
  db: Kysely<Database>,
  sender: MailSender,
  signal?: AbortSignal,
  batch = 20,
): Promise<string> {
  const total: DeliveryResult = { sent: 0, retried: 0, dead: 0 };
  while (!signal?.aborted) {
    const round = await deliverDue(db, sender, { due: "retries", batch });
    total.sent += round.sent;
    total.retried += round.retried;
    total.dead += round.dead;
    total.firstError ??= round.firstError;
    if (round.sent + round.retried + round.dead < batch) break;
  }
  const failed = total.retried + total.dead;
  if (total.sent + failed === 0) return "no mail due for another attempt";
  const summary = `${total.sent} sent, ${total.retried} to try again, ${total.dead} given up`;
  if (total.sent === 0) throw new Error(`${summary}: ${total.firstError ?? "delivery failed"}`);
  return summary;
}
