import type { Kysely } from "kysely";
import { createSmtpSender, outboxOnly, startMailer } from "../notifications/mailer.server";
import type { Database } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { startApplyFollower } from "./apply-progress.server";

/**
 * What a portal instance runs beside its requests for change requests: the mailer (SMTP when
 * SMTP_URL is set, else the outbox is the mailbox) and the follower of apply jobs.
 */
export function startChangeBackground(db: Kysely<Database>): { stop(): Promise<void> } {
  const env = getEnv();
  const mailer = startMailer(db, env.SMTP_URL ? createSmtpSender(env.SMTP_URL, env.MAIL_FROM) : outboxOnly);
  const follower = startApplyFollower(db);
  return {
    stop: async () => {
      await follower.stop();
      await mailer.stop();
    },
  };
}
