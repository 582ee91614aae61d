import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import { createManagementClients } from "~/services/auth0/client.server";
import { judgeMetadataDocument } from "~/services/idp-documents/idp-validation.server";
import { getTenantConfig } from "~/services/platform/tenant-config.server";
import { drained, samlOptions, systemScope } from "../support/apply-fixtures";
import { call } from "../support/auth";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * /metrics after a known sequence: requests to pages, an apply through the in-process worker,
 * a burst of Management API reads into the free plan's limit, three validations, the scheduled
 * session sweep at start. The numbers are read back the way Prometheus reads them.
 */

let portal: TestPortal;

beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${portal.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one sample, e.g. value(text, 'sso_portal_apply_jobs', { state: "queued" }). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("/metrics", () => {
  it("counts requests by route pattern and status, with durations", async () => {
    for (const path of ["/healthz", "/healthz", "/orgs/acme", "/orgs/globex", "/no-such-page"])
      await call(portal.url, path);
    const text = await scrape();
    expect(value(text, "sso_portal_http_request_duration_seconds_count", { route: "/healthz", status: "200" })).toBe(2);
    // Two organizations, one series: the pattern, not the slug. Anonymous: sent to sign in.
    expect(value(text, "sso_portal_http_request_duration_seconds_count", { route: "/orgs/:slug", status: "302" })).toBe(
      2,
    );
    expect(text).not.toContain('route="/orgs/acme"');
    expect(value(text, "sso_portal_http_request_duration_seconds_count", { route: "/*", status: "404" })).toBe(1);
    expect(
      value(text, "sso_portal_http_request_duration_seconds_bucket", { route: "/healthz", status: "200", le: "+Inf" }),
    ).toBe(2);
    expect(
      value(text, "sso_portal_http_request_duration_seconds_sum", { route: "/healthz", status: "200" }),
    ).toBeGreaterThan(0);
    // Process metrics come with the default set.
    expect(value(text, "sso_portal_process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });

  it("shows apply jobs by state and the Management API requests the worker made", async () => {
    const db = portal.database.db;
    const before = await scrape();
    expect(value(before, "sso_portal_apply_jobs", { state: "succeeded" })).toBe(0);
    const acme = await db.selectFrom("organizations").selectAll().where("slug", "=", "acme").executeTakeFirstOrThrow();
    await enqueueApply(db, systemScope({ id: acme.id, slug: acme.slug, name: acme.name, auth0OrgId: null }), {
      connection: {
        protocol: "saml",
        strategy: "samlp",
        version: 1,
        displayName: "Acme",
        options: samlOptions("acme", 1),
        managedOptionKeys: ["signInEndpoint", "signOutEndpoint", "signSAMLRequest", "domain_aliases"],
      },
      enabledClients: [],
    });
    await drained(db);
    const text = await scrape();
    expect(value(text, "sso_portal_apply_jobs", { state: "succeeded" })).toBe(1);
    expect(value(text, "sso_portal_apply_jobs", { state: "queued" })).toBe(0);
    // The connection did not exist: looked up by name, then created.
    expect(
      value(text, "sso_portal_management_api_requests_total", { method: "POST", path: "/connections", status: "201" }),
    ).toBe(1);
    expect(
      value(text, "sso_portal_management_api_requests_total", { method: "GET", path: "/connections", status: "200" }),
    ).toBeGreaterThanOrEqual(1);
    // The local tenant's rate limit is off: the budget row exists, full.
    const tenant = getTenantConfig().managementApiUrl;
    expect(value(text, "sso_portal_rate_budget_capacity", { tenant })).toBeGreaterThan(0);
    expect(value(text, "sso_portal_rate_budget_tokens", { tenant })).toBeGreaterThan(0);
  });

  it("counts 429 answers by operation when the tenant's limit is hit", async () => {
    const before = value(await scrape(), "sso_portal_management_api_requests_total", {
      method: "GET",
      path: "/connections/:id",
      status: "429",
    });
    portal.tenant!.setRateLimit("free"); // 2 requests, then 2 a second
    try {
      const { connections } = createManagementClients(getTenantConfig());
      const answers = await Promise.allSettled(Array.from({ length: 6 }, () => connections.get("con_doesnotexist000")));
      const limited = answers.filter((a) => a.status === "rejected" && /429|Too Many/i.test(String(a.reason))).length;
      expect(limited).toBeGreaterThan(0);
      const text = await scrape();
      expect(
        value(text, "sso_portal_management_api_requests_total", {
          method: "GET",
          path: "/connections/:id",
          status: "429",
        }),
      ).toBe((before ?? 0) + limited);
    } finally {
      portal.tenant!.setRateLimit("off");
    }
  });

  it("counts validations by kind and verdict, and the scheduled session sweep that ran at start", async () => {
    const fixture = (name: string) => readFileSync(new URL(`../fixtures/idp-documents/${name}`, import.meta.url));
    const now = new Date("2026-11-22T00:00:00Z");
    judgeMetadataDocument(fixture("saml-okta-1.xml"), { now });
    judgeMetadataDocument(fixture("saml-okta-1.xml"), { now });
    judgeMetadataDocument(fixture("evil-xxe-file-1.xml"), { now });
    const text = await scrape();
    expect(value(text, "sso_portal_validations_total", { kind: "saml-metadata", verdict: "error" })).toBe(1);
    const good =
      (value(text, "sso_portal_validations_total", { kind: "saml-metadata", verdict: "ok" }) ?? 0) +
      (value(text, "sso_portal_validations_total", { kind: "saml-metadata", verdict: "warn" }) ?? 0);
    expect(good).toBe(2);

    expect(value(text, "sso_portal_scheduled_job_runs_total", { job: "session-sweep", outcome: "succeeded" })).toBe(1);
    expect(value(text, "sso_portal_scheduled_job_duration_seconds_count", { job: "session-sweep" })).toBe(1);
    expect(value(text, "sso_portal_scheduled_job_lag_seconds", { job: "session-sweep" })).toBe(0);
    expect(
      value(text, "sso_portal_scheduled_job_last_success_timestamp_seconds", { job: "session-sweep" }),
    ).toBeGreaterThan(Date.now() / 1000 - 600);
  });
});
