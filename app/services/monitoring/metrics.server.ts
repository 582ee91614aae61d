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
  // The event-loop lag is sampled every 100 ms, not prom-client's default 10 ms: its timer woke an
  // idle process 100 times a second, ~4.5 ms of CPU per second with nothing to do (BENCHMARKS.md,
  // "Idle background loops"); a scrape every 15 s or more reads the same percentiles either way.
  client.collectDefaultMetrics({ register: processRegistry, prefix: PREFIX, eventLoopMonitoringPrecision: 100 });

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new client.Counter({ name: PREFIX + name, help, labelNames, registers: [processRegistry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new client.Histogram({ name: PREFIX + name, help, labelNames, buckets, registers: [processRegistry] });
  /**
   * A gauge of the shared database, read when scraped: one value per `label` value that `read`
   * returns (the others are dropped). prom-client collects every metric of a scrape at once, so
   * each gauge reads its own rows.
   */
  const clusterGauge = (name: string, help: string, label: string, read: () => Promise<[string, number][]>) =>
    new client.Gauge({
      name: PREFIX + name,
      help,
      labelNames: [label],
      registers: [clusterRegistry],
      async collect() {
        const values = await read();
        this.reset();
        for (const [value, n] of values) this.set({ [label]: value }, n);
      },
    });

  const httpRequests = histogram(
    "http_request_duration_seconds",
    "HTTP requests by route (the page's URL pattern), method and status, with their durations",
    ["route", "method", "status"],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  const managementApi = counter(
    "management_api_requests_total",
    "Auth0 Management API requests by operation and answer status (429: rate limited; error: no answer)",
    ["method", "path", "status"],
  );
  const validations = counter("validations_total", "IdP documents judged by the validators, by kind and verdict", [
    "kind",
    "verdict",
  ]);
  const emails = counter("emails_total", "E-mails by outcome (sent, failed)", ["outcome"]);
  const testLogins = counter("test_logins_total", "Customers' test logins by outcome", ["outcome"]);
  const scheduledRuns = counter(
    "scheduled_job_runs_total",
    "Scheduled job runs made by this process, by job and outcome",
    ["job", "outcome"],
  );
  const scheduledDuration = histogram(
    "scheduled_job_duration_seconds",
    "How long scheduled job runs took, by job",
    ["job"],
    [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  );
  const scheduledStartLag = new client.Gauge({
    name: `${PREFIX}scheduled_job_start_lag_seconds`,
    help: "How late after its due time the job's last run in this process started",
    labelNames: ["job"] as const,
    registers: [processRegistry],
  });

  clusterGauge("apply_jobs", "Apply jobs by state (the whole queue, from the database)", "state", async () =>
    Object.entries(await countJobsByStatus(await getDb())),
  );
  const budget = async () => {
    const rows = await sql<{ tenant: string; available: number; capacity: number }>`
      select tenant, capacity,
             least(capacity, tokens + greatest(0, extract(epoch from clock_timestamp() - updated_at)::float8)
                                       * refill_per_second) as available
        from apply_rate_budget`.execute(await getDb());
    return rows.rows;
  };
  clusterGauge(
    "rate_budget_tokens",
    "Management API requests the shared rate budget would grant now, by tenant",
    "tenant",
    async () => (await budget()).map((r) => [r.tenant, Math.max(0, Number(r.available))]),
  );
  clusterGauge("rate_budget_capacity", "The shared rate budget's size (burst), by tenant", "tenant", async () =>
    (await budget()).map((r) => [r.tenant, Number(r.capacity)]),
  );
  const scheduledRows = async () =>
    (await getDb())
      .selectFrom("scheduled_jobs")
      .select(["name", "next_run_at", "last_finished_at", "last_outcome"])
      .execute();
  clusterGauge(
    "scheduled_job_last_success_timestamp_seconds",
    "When each scheduled job last finished successfully (Unix time; 0: never)",
    "job",
    async () =>
      (await scheduledRows()).map((r) => {
        const ok = r.last_outcome === "succeeded" && r.last_finished_at;
        return [r.name, ok ? new Date(r.last_finished_at!).getTime() / 1000 : 0];
      }),
  );
  clusterGauge(
    "scheduled_job_lag_seconds",
    "How long each scheduled job has been due without being run (0 when on time)",
    "job",
    async () => {
      const now = Date.now();
      return (await scheduledRows()).map((r) => [
        r.name,
        Math.max(0, (now - new Date(r.next_run_at).getTime()) / 1000),
      ]);
    },
  );

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
