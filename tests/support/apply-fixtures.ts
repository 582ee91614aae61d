import { ConnectionsClient } from "auth0/connections";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, expect } from "vitest";
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { listJobs, type DesiredApply } from "~/services/apply/jobs.server";
import {
  createApplyWorker,
  SimulatedCrash,
  type ApplyWorkerOptions,
  type CrashPoint,
} from "~/services/apply/worker.server";
import { OWNER_KEY, VERSION_KEY } from "~/services/auth0/gateway.server";
import type { OpenDatabase } from "~/services/platform/db.server";
import type { Database } from "~/services/platform/db/schema";
import type { ScopedOrganization, SystemOrgScope } from "~/services/identity/scope.server";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import type { LocalTenantOptions } from "../../local-tenant/server.js";
import { localTenantConfig } from "../../server/local-tenant-config.js";
import { startHarness, type Harness } from "./local-tenant-contract.js";
import { createTestDatabase, openSecondPool, type TestDatabase } from "./test-database.js";

export { drained } from "../../harness/apply-queue.js";

/** Tenant config for a local tenant started by a test (what server/portal.ts registers). */
export { localTenantConfig as tenantConfigOf };

/** A fetch through the harness that counts the Management API requests in flight at once (`state.max`). */
export function countingFetch(h: Harness): {
  state: { inFlight: number; max: number };
  fetch: typeof globalThis.fetch;
} {
  const state = { inFlight: 0, max: 0 };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const api = String(input instanceof Request ? input.url : input).includes("/api/v2/");
    if (api) state.max = Math.max(state.max, ++state.inFlight);
    try {
      return await h.fetch(input, init);
    } finally {
      if (api) state.inFlight--;
    }
  };
  return { state, fetch };
}

/** Worker hooks that kill the worker at one step's phase, as a crashed process would stop there. */
export function crashAt(step: string, phase: CrashPoint["phase"]): NonNullable<ApplyWorkerOptions["hooks"]> {
  return {
    crash: (p) => {
      if (p.step === step && p.phase === phase) throw new SimulatedCrash();
    },
  };
}

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

/** `count` organization slugs for a crowd of organizations: `prefix-0`, `prefix-1`, … */
export function numberedSlugs(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export function systemScope(org: ScopedOrganization): SystemOrgScope {
  return { kind: "system", actor: "apply-worker", org };
}

/** An organization's apply jobs in the order they were queued (the pages' `listJobs` shows them newest first). */
export async function jobsOf(db: Kysely<Database>, org: ScopedOrganization) {
  // Far more than any test queues for one organization.
  return (await listJobs(db, systemScope(org), 1000)).reverse();
}

/**
 * Version 1 of an organization's OIDC connection, its discovery document at idp.<slug>.test, for
 * the portal's application; `options` the rest of its options (client id, secret…).
 */
export function desiredOidc(
  org: ScopedOrganization,
  options: Record<string, unknown>,
  organization?: DesiredApply["organization"],
): DesiredApply {
  return {
    connection: {
      protocol: "oidc",
      strategy: "oidc",
      version: 1,
      displayName: org.name,
      options: { discovery_url: `https://idp.${org.slug}.test/.well-known/openid-configuration`, ...options },
    },
    enabledClients: [PORTAL_CLIENT_ID],
    ...(organization ? { organization } : {}),
  };
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

/** What the apply engine's tests run against (see `applyEngineFixture`). */
export interface ApplyEngineFixture {
  /** The local tenant, rate limit off, with its contract checks. */
  readonly h: Harness;
  readonly database: TestDatabase;
  /** A second pool on the same database (PostgreSQL); null on PGlite, which is one session. */
  readonly second: OpenDatabase | null;
  /** The Management API's connections, read past the gateway (what Auth0 holds). */
  readonly raw: ConnectionsClient;
}

/**
 * Registers the file's beforeAll (start the tenant, the database and a second pool) and afterAll
 * (stop them). The tenant's Management API rate limit is off unless `rateLimit` names a plan.
 */
export function applyEngineFixture(options: Pick<LocalTenantOptions, "rateLimit"> = {}): ApplyEngineFixture {
  let started: ApplyEngineFixture | undefined;
  beforeAll(async () => {
    const h = await startHarness({ rateLimit: options.rateLimit ?? "off" });
    const database = await createTestDatabase();
    const second = await openSecondPool(database);
    started = { h, database, second, raw: new ConnectionsClient(h.clientOptions(await h.token())) };
  });
  afterAll(async () => {
    await started?.second?.close();
    await started?.database.destroy();
    await started?.h.close();
  });
  const get = <K extends keyof ApplyEngineFixture>(key: K): ApplyEngineFixture[K] => {
    if (!started) throw new Error("the apply engine fixture starts in beforeAll: use it in a test or hook");
    return started[key];
  };
  return {
    get h() {
      return get("h");
    },
    get database() {
      return get("database");
    },
    get second() {
      return get("second");
    },
    get raw() {
      return get("raw");
    },
  };
}

/** Version `version` of an organization's SAML connection (options from `samlOptions`), for `enabledClients`. */
export function desiredSaml(
  org: ScopedOrganization,
  version: number,
  enabledClients: string[],
  organization: DesiredApply["organization"] = { assignMembershipOnLogin: true, showAsButton: true },
): DesiredApply {
  return {
    connection: {
      protocol: "saml",
      strategy: "samlp",
      version,
      displayName: `${org.name} v${version}`,
      options: samlOptions(org.slug, version),
      managedOptionKeys: ["signInEndpoint", "signOutEndpoint", "signSAMLRequest", "domain_aliases"],
    },
    enabledClients,
    organization,
  };
}

/**
 * The organization's connection as Auth0 has it: exactly one, version `version` of `desiredSaml`,
 * enabled for `clients` and for the organization (membership on login, shown as a button).
 */
export async function expectConverged(
  fixture: Pick<ApplyEngineFixture, "h" | "raw">,
  org: ScopedOrganization,
  version: number,
  clients: string[],
) {
  const { h, raw } = fixture;
  const name = `sso-${org.slug}-saml`;
  const all = await h.management().connections.list({ name });
  expect(all.data.map((c) => c.name)).toEqual([name]); // exactly one, never a duplicate
  const c = await raw.get(all.data[0]!.id!);
  expect(c.options).toMatchObject(samlOptions(org.slug, version));
  expect(c.display_name).toBe(`${org.name} v${version}`);
  expect(c.metadata).toMatchObject({ [OWNER_KEY]: org.id, [VERSION_KEY]: String(version) });
  const enabled = (await raw.clients.get(c.id!)).data.map((x) => x.client_id);
  expect(enabled.sort()).toEqual([...clients].sort());
  const orgConns = await h.management().organizations.enabledConnections.list(org.auth0OrgId!);
  expect(orgConns.data.map((e) => [e.connection_id, e.assign_membership_on_login, e.show_as_button])).toEqual([
    [c.id, true, true],
  ]);
  return c;
}
