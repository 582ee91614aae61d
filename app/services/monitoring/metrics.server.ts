import client from "prom-client";
import { sql } from "kysely";
import { countJobsByStatus } from "../apply/jobs.server";
import { getDb } from "../platform/db.server";
import { singleton } from "../platform/singleton.server";

/**
 * Prometheus metrics (`/metrics`, text format). Two registries:
 * - process metrics, counted where things happen (HTTP requests, Management API answers,
 *   validations, e-mails, test logins, scheduled runs) through the `count…`/`observe…` functions
 *   below — every process has its own, as Prometheus expects;
 * - cluster metrics, read from the shared database when scraped (apply jobs by state, the rate
 *   budget, scheduled jobs' lag): the same for every instance, so scrape them from one portal
 *   instance or take max() across instances.
 * One instance per process (singleton): the server entry and the Remix bundle share it.
 */

const PREFIX = "sso_portal_";

function createMetrics() {
  const processRegistry = new client.Registry();
  const clusterRegistry = new client.Registry();
  client.collectDefaultMetrics({ register: processRegistry, prefix: PREFIX });

  const httpRequests = new client.Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: "HTTP requests by route (the page's URL pattern), method and status, with their durations",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [processRegistry],
  });
  const managementApi = new client.Counter({
    name: `${PREFIX}management_api_requests_total`,
    help: "Auth0 Management API requests by operation and answer status (429: rate limited; error: no answer)",
    labelNames: ["method", "path", "status"] as const,
    registers: [processRegistry],
  });
  const validations = new client.Counter({
    name: `${PREFIX}validations_total`,
    help: "IdP documents judged by the validators, by kind and verdict",
    labelNames: ["kind", "verdict"] as const,
    registers: [processRegistry],
  });
  const emails = new client.Counter({
    name: `${PREFIX}emails_total`,
    help: "E-mails by outcome (sent, failed)",
    labelNames: ["outcome"] as const,
    registers: [processRegistry],
  });
  const testLogins = new client.Counter({
    name: `${PREFIX}test_logins_total`,
    help: "Customers' test logins by outcome",
    labelNames: ["outcome"] as const,
    registers: [processRegistry],
  });
  const scheduledRuns = new client.Counter({
    name: `${PREFIX}scheduled_job_runs_total`,
    help: "Scheduled job runs made by this process, by job and outcome",
    labelNames: ["job", "outcome"] as const,
    registers: [processRegistry],
  });
  const scheduledDuration = new client.Histogram({
    name: `${PREFIX}scheduled_job_duration_seconds`,
    help: "How long scheduled job runs took, by job",
    labelNames: ["job"] as const,
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [processRegistry],
  });
  const scheduledStartLag = new client.Gauge({
    name: `${PREFIX}scheduled_job_start_lag_seconds`,
    help: "How late after its due time the job's last run in this process started",
    labelNames: ["job"] as const,
    registers: [processRegistry],
  });

  new client.Gauge({
    name: `${PREFIX}apply_jobs`,
    help: "Apply jobs by state (the whole queue, from the database)",
    labelNames: ["state"] as const,
    registers: [clusterRegistry],
    async collect() {
      const counts = await countJobsByStatus(await getDb());
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  // prom-client collects every metric of a scrape at once: each gauge reads its own rows.
  const budget = async () => {
    const rows = await sql<{ tenant: string; available: number; capacity: number }>`
      select tenant, capacity,
             least(capacity, tokens + greatest(0, extract(epoch from clock_timestamp() - updated_at)::float8)
                                       * refill_per_second) as available
        from apply_rate_budget`.execute(await getDb());
    return rows.rows;
  };
  new client.Gauge({
    name: `${PREFIX}rate_budget_tokens`,
    help: "Management API requests the shared rate budget would grant now, by tenant",
    labelNames: ["tenant"] as const,
    registers: [clusterRegistry],
    async collect() {
      this.reset();
      for (const r of await budget()) this.set({ tenant: r.tenant }, Math.max(0, Number(r.available)));
    },
  });
  new client.Gauge({
    name: `${PREFIX}rate_budget_capacity`,
    help: "The shared rate budget's size (burst), by tenant",
    labelNames: ["tenant"] as const,
    registers: [clusterRegistry],
    async collect() {
      this.reset();
      for (const r of await budget()) this.set({ tenant: r.tenant }, Number(r.capacity));
    },
  });
  const scheduledRows = async () =>
    (await getDb())
      .selectFrom("scheduled_jobs")
      .select(["name", "next_run_at", "last_finished_at", "last_outcome"])
      .execute();
  new client.Gauge({
    name: `${PREFIX}scheduled_job_last_success_timestamp_seconds`,
    help: "When each scheduled job last finished successfully (Unix time; 0: never)",
    labelNames: ["job"] as const,
    registers: [clusterRegistry],
    async collect() {
      this.reset();
      for (const r of await scheduledRows()) {
        const ok = r.last_outcome === "succeeded" && r.last_finished_at;
        this.set({ job: r.name }, ok ? new Date(r.last_finished_at!).getTime() / 1000 : 0);
      }
    },
  });
  new client.Gauge({
    name: `${PREFIX}scheduled_job_lag_seconds`,
    help: "How long each scheduled job has been due without being run (0 when on time)",
    labelNames: ["job"] as const,
    registers: [clusterRegistry],
    async collect() {
      const now = Date.now();
      this.reset();
      for (const r of await scheduledRows()) {
        this.set({ job: r.name }, Math.max(0, (now - new Date(r.next_run_at).getTime()) / 1000));
      }
    },
  });

  return {
    processRegistry,
    clusterRegistry,
    httpRequests,
    managementApi,
    validations,
    emails,
    testLogins,
    scheduledRuns,
    scheduledDuration,
    scheduledStartLag,
  };
}

const metrics = singleton("metrics", createMetrics);

/** One HTTP request answered: `route` is the URL pattern (/orgs/:slug), never the raw path. */
export function observeHttpRequest(route: string, method: string, status: number, seconds: number): void {
  metrics.httpRequests.observe({ route, method, status: String(status) }, seconds);
}

/** Ids in Management API paths (every other segment: /connections/con_1/clients) become `:id`, so labels stay few. */
export function managementApiOperation(path: string): string {
  return path
    .split("/")
    .map((segment, i) => (i >= 2 && i % 2 === 0 && segment !== "" ? ":id" : segment))
    .join("/");
}

/** One Management API answer (status undefined: no answer, e.g. a network error). */
export function countManagementApiResponse(method: string, path: string, status: number | undefined): void {
  metrics.managementApi.inc({
    method,
    path: managementApiOperation(path),
    status: status === undefined ? "error" : String(status),
  });
}

export function countValidation(kind: string, verdict: "ok" | "warn" | "error"): void {
  metrics.validations.inc({ kind, verdict });
}

export function countEmail(outcome: "sent" | "failed"): void {
  metrics.emails.inc({ outcome });
}

/** A test login finished: "succeeded", or the failure's kind (e.g. "signature", "audience", "missing-attributes"). */
export function countTestLogin(outcome: string): void {
  metrics.testLogins.inc({ outcome });
}

export function observeScheduledRun(
  job: string,
  outcome: "succeeded" | "failed",
  durationMs: number,
  lagMs: number,
): void {
  metrics.scheduledRuns.inc({ job, outcome });
  metrics.scheduledDuration.observe({ job }, durationMs / 1000);
  metrics.scheduledStartLag.set({ job }, lagMs / 1000);
}

export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;

/** The Prometheus text: this process's metrics, and the database's when `cluster` (the portal). */
export async function metricsText(options: { cluster: boolean }): Promise<string> {
  const registries = options.cluster ? [metrics.processRegistry, metrics.clusterRegistry] : [metrics.processRegistry];
  return client.Registry.merge(registries).metrics();
}
