import type { Kysely } from "kysely";
import { sweepExpiredSessions } from "../identity/session.server";
import type { Database } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import type { Clock } from "./clock";
import { createScheduler, type ScheduledJob, type Scheduler } from "./scheduler.server";

/**
 * The portal's scheduled jobs and the runner that runs them: in-process in local mode
 * (server/portal.ts), in every `npm run apply-worker` otherwise.
 */
export function operationsJobs(): ScheduledJob[] {
  return [
    {
      name: "session-sweep",
      run: async () => {
        const deleted = await sweepExpiredSessions();
        return `${deleted} ended session${deleted === 1 ? "" : "s"} deleted`;
      },
    },
  ];
}

export function startOperationsScheduler(options: { db: Kysely<Database>; clock?: Clock }): Scheduler {
  const scheduler = createScheduler({
    db: options.db,
    clock: options.clock,
    jobs: operationsJobs(),
    periods: getEnv().SCHEDULED_JOB_PERIODS,
  });
  scheduler.start();
  return scheduler;
}
