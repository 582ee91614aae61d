import type { Kysely } from "kysely";
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { createApplyWorker, type ApplyWorkerOptions } from "~/services/apply/worker.server";
import type { Database } from "~/services/platform/db/schema";
import type { ScopedOrganization, SystemOrgScope } from "~/services/identity/scope.server";
import { localTenantConfig } from "../../server/local-tenant-config.js";
import type { Harness } from "./local-tenant-contract.js";

/** Tenant config for a local tenant started by a test (what server/portal.ts registers). */
export { localTenantConfig as tenantConfigOf };

/**
 * Options for an apply worker against the test's local tenant and database: no rate budget, fast
 * polling and back-off; `overrides` for what a test is about.
 */
export function testWorkerOptions(
  h: Harness,
  db: Kysely<Database>,
  overrides: Partial<ApplyWorkerOptions> = {},
): ApplyWorkerOptions {
  return {
    db,
    tenant: localTenantConfig(h.tenant),
    prefix: "sso",
    rateBudget: AUTH0_RATE_LIMITS.off,
    fetch: h.fetch,
    pollMs: 20,
    backoff: { baseMs: 20, maxMs: 200 },
    ...overrides,
  };
}

/**
 * Portal organizations with an Auth0 organization each: rows in the database and organizations in
 * the local tenant (created through the Management API with the rate limit off).
 */
export async function createOrganizations(
  db: Kysely<Database>,
  h: Harness,
  slugs: string[],
): Promise<ScopedOrganization[]> {
  const preset = h.tenant.context.rateLimit;
  h.tenant.setRateLimit("off");
  const management = h.management();
  const orgs: ScopedOrganization[] = [];
  for (const slug of slugs) {
    const auth0 = await management.organizations.create({ name: slug, display_name: `Org ${slug}` });
    const row = await db
      .insertInto("organizations")
      .values({ slug, name: `Org ${slug}`, auth0_org_id: auth0.id! })
      .returning(["id", "slug", "name", "auth0_org_id"])
      .executeTakeFirstOrThrow();
    orgs.push({ id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id });
  }
  h.tenant.setRateLimit(preset);
  return orgs;
}

export function systemScope(org: ScopedOrganization): SystemOrgScope {
  return { kind: "system", actor: "apply-worker", org };
}

/** A base64 PEM-ish certificate body is not needed: the local tenant stores options as sent. */
export function samlOptions(org: string, version: number): Record<string, unknown> {
  return {
    signInEndpoint: `https://idp.${org}.test/sso/v${version}`,
    signOutEndpoint: `https://idp.${org}.test/slo`,
    signSAMLRequest: version % 2 === 0,
    domain_aliases: [`${org}.test`],
  };
}

/** Waits until no job is queued or running (or fails the test after `timeoutMs`). */
export async function drained(db: Kysely<Database>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await db
      .selectFrom("apply_jobs")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("status", "in", ["queued", "running"])
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return;
    if (Date.now() > until) throw new Error(`${open.n} apply jobs still open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the apply queue on one worker until it is empty (each job in turn, no polling). */
export async function runQueue(
  h: Harness,
  db: Kysely<Database>,
  overrides: Partial<ApplyWorkerOptions> = {},
): Promise<void> {
  const worker = createApplyWorker(testWorkerOptions(h, db, overrides));
  while (await worker.runOnce()) {
    /* until the queue is empty */
  }
}

/** A connection's `domain_aliases` as the local tenant holds it. */
export function domainAliasesOf(h: Harness, connectionName: string): unknown {
  const c = h.tenant.context.store.state.connections.find((x) => x.name === connectionName);
  if (!c) throw new Error(`no connection ${connectionName}`);
  return (c.options as Record<string, unknown>).domain_aliases;
}
