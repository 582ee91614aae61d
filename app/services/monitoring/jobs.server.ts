import type { Kysely } from "kysely";
import type { RateBudget } from "../apply/budget.server";
import { sweepExpiredSessions } from "../identity/session.server";
import { mailSenderFromEnv, retryDueMail, type MailSender } from "../notifications/mailer.server";
import type { Database } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { refreshCertificateExpiry } from "./certificate-expiry.server";
import { systemClock, type Clock } from "./clock";
import { runDriftCheck } from "./drift.server";
import { refreshMetadataUrls } from "./metadata-refresh.server";
import { recheckVerifiedDomains } from "../organizations/domain-recheck.server";
import type { TxtResolver } from "../organizations/domains.server";
import { createScheduler, type ScheduledJob, type Scheduler } from "./scheduler.server";

/**
 * The portal's scheduled jobs and the runner that runs them: in-process in local mode
 * (server/portal.ts), in every `npm run apply-worker` otherwise.
 */
export interface OperationsDeps {
  db: Kysely<Database>;
  tenant: TenantConfig;
  /** The apply engine's shared Management API budget (drift reads draw from it too). */
  rateBudget: RateBudget | null;
  clock?: Clock;
  /** DNS for the domain re-check (tests: their own server); DNS_SERVERS or the system's otherwise. */
  resolver?: TxtResolver;
  /** Where `email-retries` sends (tests: their SMTP sink); SMTP_URL or the outbox otherwise, made per run. */
  mailSender?: MailSender;
}

export function operationsJobs(deps: OperationsDeps): ScheduledJob[] {
  const clock = deps.clock ?? systemClock;
  return [
    {
      name: "session-sweep",
      run: async () => {
        const deleted = await sweepExpiredSessions();
        return `${deleted} ended session${deleted === 1 ? "" : "s"} deleted`;
      },
    },
    {
      name: "email-retries",
      run: async ({ signal }) => {
        const sender = deps.mailSender ?? mailSenderFromEnv();
        try {
          return await retryDueMail(deps.db, sender, signal);
        } finally {
          if (!deps.mailSender) sender.close();
        }
      },
    },
    { name: "certificate-expiry", run: () => refreshCertificateExpiry(deps.db, clock) },
    { name: "metadata-refresh", run: ({ signal }) => refreshMetadataUrls({ db: deps.db, clock, signal }) },
    {
      name: "domain-recheck",
      run: ({ signal }) => recheckVerifiedDomains({ db: deps.db, clock, resolver: deps.resolver, signal }),
    },
    {
      name: "drift-check",
      run: ({ signal }) =>
        runDriftCheck({
          db: deps.db,
          tenant: deps.tenant,
          prefix: getEnv().AUTH0_CONNECTION_PREFIX,
          rateBudget: deps.rateBudget,
          clock,
          signal,
        }),
    },
  ];
}

export function startOperationsScheduler(deps: OperationsDeps): Scheduler {
  const scheduler = createScheduler({
    db: deps.db,
    clock: deps.clock,
    jobs: operationsJobs(deps),
    periods: getEnv().SCHEDULED_JOB_PERIODS,
  });
  scheduler.start();
  return scheduler;
}
