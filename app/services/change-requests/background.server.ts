import type { Kysely } from "kysely";
import { mailSenderFromEnv, startMailer } from "../notifications/mailer.server";
import type { Database } from "../platform/db/schema";
import { startApplyFollower } from "./apply-progress.server";

/**
 * What a portal instance runs beside its requests for change requests: the mailer of new mail (SMTP
 * when SMTP_URL is set, else the outbox is the mailbox; retries are the `email-retries` scheduled
 * job) and the follower of apply jobs.
 */
export function startChangeBackground(db: Kysely<Database>): { stop(): Promise<void> } {
  const mailer = startMailer(db, mailSenderFromEnv());
  const follower = startApplyFollower(db);
  return {
    stop: async () => {
      await follower.stop();
      await mailer.stop();
    },
  };
}
