import type { Kysely } from "kysely";
import { followApplyJobs } from "~/services/change-requests/apply-progress.server";
import { createApplyWorker } from "~/services/apply/worker.server";
import { createSafeFetcher } from "~/services/idp-documents/safe-fetch.server";
import { manualClock } from "~/services/monitoring/clock";
import { refreshMetadataUrls } from "~/services/monitoring/metadata-refresh.server";
import type { Database } from "~/services/platform/db/schema";
import { drained, testWorkerOptions } from "./apply-fixtures.js";
import type { Harness } from "./local-tenant-contract.js";

/** Runs the apply engine until the queue is empty, then moves the change requests it applied. */
export async function applyAndFollow(h: Harness, db: Kysely<Database>): Promise<void> {
  const worker = createApplyWorker(testWorkerOptions(h, db));
  worker.start();
  await drained(db);
  await worker.stop();
  await followApplyJobs(db);
}

/** What the metadata monitor's tests read about one organization. */
export function monitorReads(db: Kysely<Database>, organizationId: () => string) {
  return {
    health: () =>
      db
        .selectFrom("organization_health")
        .selectAll()
        .where("organization_id", "=", organizationId())
        .executeTakeFirstOrThrow(),
    changes: () =>
      db
        .selectFrom("change_requests")
        .select(["id", "state", "version", "author_label", "policy_rule"])
        .where("organization_id", "=", organizationId())
        .orderBy("id")
        .execute(),
    mails: () =>
      db
        .selectFrom("outbox_messages")
        .select(["to_address", "subject", "text_body", "link"])
        .where("kind", "=", "metadata.changed")
        .orderBy("id")
        .execute(),
    jobCount: async () =>
      Number(
        (
          await db
            .selectFrom("apply_jobs")
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      ),
  };
}

/**
 * The metadata-refresh job as the monitoring tests run it: through the SSRF-safe fetcher trusting
 * the test server's certificate (`ca`), with `idp.test` resolved to the server on loopback (allowed
 * in local mode) and any other name to an internal address (refused), on a clock the test moves.
 */
export function monitoringRun(ca: string, db: () => Kysely<Database>) {
  const resolver = async (host: string) =>
    host === "idp.test" ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.7", family: 4 }];
  const fetcher = createSafeFetcher({ localMode: true, resolver, ca, timeoutMs: 2_000 });
  const clock = manualClock(new Date());
  const refresh = () => refreshMetadataUrls({ db: db(), clock, fetch: fetcher, localMode: true });
  return { fetcher, clock, refresh };
}
