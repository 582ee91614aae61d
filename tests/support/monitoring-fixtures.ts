import { readFileSync } from "node:fs";
import type { Kysely } from "kysely";
import { followApplyJobs } from "~/services/change-requests/apply-progress.server";
import { approveChange } from "~/services/change-requests/review.server";
import { submitChange } from "~/services/change-requests/submit.server";
import { createApplyWorker } from "~/services/apply/worker.server";
import { createSafeFetcher } from "~/services/idp-documents/safe-fetch.server";
import { manualClock } from "~/services/monitoring/clock";
import { refreshMetadataUrls } from "~/services/monitoring/metadata-refresh.server";
import { installDatabase } from "~/services/platform/db.server";
import type { Database } from "~/services/platform/db/schema";
import { registerLocalTenant } from "~/services/platform/tenant-config.server";
import { createOrganizations, drained, tenantConfigOf, testWorkerOptions } from "./apply-fixtures.js";
import { createUser, member, support } from "./change-fixtures.js";
import { startHarness, type Harness } from "./local-tenant-contract.js";
import { createTestDatabase } from "./test-database.js";

/** Runs the apply engine until the queue is empty, then moves the change requests it applied. */
export async function applyAndFollow(h: Harness, db: Kysely<Database>): Promise<void> {
  const worker = createApplyWorker(testWorkerOptions(h, db));
  worker.start();
  await drained(db);
  await worker.stop();
  await followApplyJobs(db);
}

/**
 * What a monitoring test starts from: a local tenant (rate limit off) registered as the portal's,
 * a fresh database installed as the portal's, the organization `slug` with its administrator
 * alice@<slug>.test, lena@vendor.test a support admin, and what the tests read about the organization.
 */
export async function startMonitoredOrganization(slug: string) {
  const h = await startHarness({ rateLimit: "off" });
  registerLocalTenant(tenantConfigOf(h.tenant));
  const database = await createTestDatabase();
  installDatabase(database);
  const [acme] = await createOrganizations(database.db, h, [slug]);
  const alice = await member(database.db, await createUser(database.db, `alice@${slug}.test`), acme!, "org_admin");
  const lena = support(await createUser(database.db, "lena@vendor.test"), "support_admin");
  return {
    h,
    database,
    acme: acme!,
    alice,
    lena,
    reads: monitorReads(database.db, () => acme!.id),
    /** Alice submits a connection, Lena approves it and the apply engine applies it (version 1). */
    async submitApproveApply(submission: Parameters<typeof submitChange>[1]): Promise<void> {
      const submitted = await submitChange(alice, submission);
      if (!submitted.ok) throw new Error(submitted.error);
      const approved = await approveChange(lena, String(submitted.change.id));
      if (!approved.ok) throw new Error(approved.error);
      await applyAndFollow(h, database.db);
    },
  };
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

const testdata = (name: string) =>
  readFileSync(new URL(`../../app/services/idp-documents/testdata/${name}`, import.meta.url), "utf8");

/** What a monitoring test's IdP server serves HTTPS with (`https.createServer(IDP_SERVER_TLS, …)`). */
export const IDP_SERVER_TLS = { cert: testdata("test-cert.pem"), key: testdata("test-key.pem") };

/**
 * The metadata-refresh job as the monitoring tests run it: through the SSRF-safe fetcher trusting
 * the test IdP server's certificate (`IDP_SERVER_TLS`), with `idp.test` resolved to the server on loopback (allowed
 * in local mode) and any other name to an internal address (refused), on a clock the test moves.
 */
export function monitoringRun(db: () => Kysely<Database>) {
  const resolver = async (host: string) =>
    host === "idp.test" ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.7", family: 4 }];
  const fetcher = createSafeFetcher({ localMode: true, resolver, ca: IDP_SERVER_TLS.cert, timeoutMs: 2_000 });
  const clock = manualClock(new Date());
  const refresh = () => refreshMetadataUrls({ db: db(), clock, fetch: fetcher, localMode: true });
  /** The job again, six hours on (each URL is due again by then). */
  const refreshSixHoursLater = () => {
    clock.advance(6 * 3600_000);
    return refresh();
  };
  return { fetcher, clock, refresh, refreshSixHoursLater };
}
