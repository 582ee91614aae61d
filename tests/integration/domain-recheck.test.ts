import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import type { OrgScope } from "~/services/identity/scope.server";
import { manualClock } from "~/services/monitoring/clock";
import { operationsJobs } from "~/services/monitoring/jobs.server";
import { createScheduler, type Scheduler } from "~/services/monitoring/scheduler.server";
import { recheckVerifiedDomains } from "~/services/organizations/domain-recheck.server";
import {
  addDomain,
  checkDomain,
  dnsResolver,
  listDomains,
  verifyDomainByHand,
  type TxtResolver,
} from "~/services/organizations/domains.server";
import { installDatabase } from "~/services/platform/db.server";
import { TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import {
  createOrganizations,
  domainAliasesOf,
  runQueue,
  samlOptions,
  systemScope,
  tenantConfigOf,
} from "../support/apply-fixtures.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { createUser, member, support } from "../support/change-fixtures.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/**
 * The "domain-recheck" scheduled job against a real DNS server on the wire and the local tenant:
 * a record still there keeps the domain verified; a record removed is counted at each run and,
 * after the grace rule (2 failed checks over at least 72 h), the domain loses its verification,
 * the administrators and support are told once, and the "domain-aliases" job takes it out of the
 * connection's `domain_aliases` in the tenant. The scheduler runs it once per period.
 */
let h: Harness;
let database: TestDatabase;
let dns: TestDnsServer;
let resolver: TxtResolver;
let alice: OrgScope;
let scheduler: Scheduler;
const clock = manualClock("2026-12-06T09:00:00Z");
const DAY = 86_400_000;
const ids: Record<string, string> = {};

async function aliasJobs(): Promise<string[]> {
  const rows = await database.db
    .selectFrom("apply_jobs")
    .select(["kind", "status", "requested_by"])
    .where("organization_id", "=", alice.org.id)
    .where("kind", "=", "domain-aliases")
    .orderBy("id")
    .execute();
  return rows.map((r) => `${r.status}:${r.requested_by}`);
}

async function lostMails(): Promise<string[]> {
  const rows = await database.db
    .selectFrom("outbox_messages")
    .select("to_address")
    .where("kind", "=", "domain.verification_lost")
    .orderBy("to_address")
    .execute();
  return rows.map((r) => r.to_address);
}

async function domain(name: string) {
  return (await listDomains(alice)).find((d) => d.domain === name)!;
}

beforeAll(async () => {
  h = await startHarness({ rateLimit: "off" });
  database = await createTestDatabase();
  installDatabase(database);
  dns = await startDnsServer();
  resolver = dnsResolver([dns.address]);
  const [acme] = await createOrganizations(database.db, h, ["recheck-acme"]);
  alice = await member(database.db, await createUser(database.db, "alice@acme.test", null), acme!, "org_admin");
  for (const name of ["acme.test", "acme-corp.test"]) {
    const added = await addDomain(alice, name);
    if (!added.ok) throw new Error(added.error);
    ids[name] = added.domain.id;
    dns.txt.set(`_sso-portal-verification.${name}`, [added.domain.recordValue]);
    expect(await checkDomain(alice, added.domain.id, { resolver })).toMatchObject({ ok: true });
  }
  await enqueueApply(database.db, systemScope(alice.org), {
    connection: {
      protocol: "saml",
      stage: "live",
      strategy: "samlp",
      version: 1,
      displayName: "Acme",
      options: samlOptions("recheck-acme", 1),
    },
    enabledClients: [TEST_LOGIN_CLIENT_ID],
    aliasVerifiedDomains: true,
  });
  await runQueue(h, database.db);
  const jobs = operationsJobs({ db: database.db, tenant: tenantConfigOf(h.tenant), rateBudget: null, clock, resolver });
  scheduler = createScheduler({
    db: database.db,
    clock,
    jobs: jobs.filter((j) => j.name === "domain-recheck"),
    periods: { "domain-recheck": 86_400 },
  });
  await scheduler.register();
});
afterAll(async () => {
  await scheduler?.stop();
  await dns?.close();
  await database?.destroy();
  await h?.close();
});

describe(`domain re-check (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("records still there: both stay verified and in domain_aliases; one run per period", async () => {
    expect(domainAliasesOf(h, "sso-recheck-acme-saml")).toEqual(["acme-corp.test", "acme.test"]);
    const queriesBefore = dns.queries.length;
    expect(await scheduler.runDue()).toEqual(["domain-recheck"]);
    expect(dns.queries.length - queriesBefore).toBe(2);
    // The same period: nothing due, DNS not asked again.
    expect(await scheduler.runDue()).toEqual([]);
    clock.advance(DAY - 1000);
    expect(await scheduler.runDue()).toEqual([]);
    expect(dns.queries.length - queriesBefore).toBe(2);
    const row = await database.db
      .selectFrom("scheduled_jobs")
      .selectAll()
      .where("name", "=", "domain-recheck")
      .executeTakeFirstOrThrow();
    expect(row.runs).toBe(1);
    expect(row.last_summary).toMatch(/^2 verified domains re-checked, 2 still proved, 0 failing/);
    for (const name of ["acme.test", "acme-corp.test"]) {
      expect(await domain(name)).toMatchObject({ verified: true, failingSince: null, lostAt: null });
    }
  });

  it("a removed record is counted, kept through the grace period, then the verification is lost", async () => {
    dns.txt.delete("_sso-portal-verification.acme.test");
    const firstFailure = new Date(clock.now().getTime() + 1000);
    clock.set(firstFailure);
    expect(await scheduler.runDue()).toEqual(["domain-recheck"]);
    expect(await domain("acme.test")).toMatchObject({ verified: true, failingSince: firstFailure, lostAt: null });
    expect(await domain("acme-corp.test")).toMatchObject({ verified: true, failingSince: null });

    // Two failed checks but only 48 h: still verified, still in Auth0, nothing queued or sent.
    clock.advance(DAY);
    expect(await scheduler.runDue()).toEqual(["domain-recheck"]);
    clock.advance(DAY);
    expect(await scheduler.runDue()).toEqual(["domain-recheck"]);
    expect(await domain("acme.test")).toMatchObject({ verified: true, failingSince: firstFailure });
    expect(await aliasJobs()).toEqual(["succeeded:alice@acme.test", "succeeded:alice@acme.test"]);
    expect(await lostMails()).toEqual([]);

    // 72 h after the first failure: lost.
    clock.advance(DAY);
    expect(await scheduler.runDue()).toEqual(["domain-recheck"]);
    const lost = await domain("acme.test");
    expect(lost).toMatchObject({ verified: false, method: null, lostAt: clock.now(), failingSince: null });
    expect(lost.lostReason).toMatch(/No TXT record was found at _sso-portal-verification\.acme\.test\..*4 checks/);
    expect(await aliasJobs()).toEqual([
      "succeeded:alice@acme.test",
      "succeeded:alice@acme.test",
      "queued:Domain re-check",
    ]);
    const mails = await lostMails();
    expect(mails).toContain("alice@acme.test");
    expect(mails.length).toBeGreaterThan(1); // support too
    const audit = await database.db
      .selectFrom("audit_events")
      .select(["action", "target", "actor_label"])
      .where("action", "=", "domain.verification_lost")
      .execute();
    expect(audit).toEqual([
      { action: "domain.verification_lost", target: "acme.test", actor_label: "Domain re-check" },
    ]);

    // The apply engine takes it out of the connection in the tenant.
    expect(domainAliasesOf(h, "sso-recheck-acme-saml")).toEqual(["acme-corp.test", "acme.test"]);
    await runQueue(h, database.db);
    expect(domainAliasesOf(h, "sso-recheck-acme-saml")).toEqual(["acme-corp.test"]);

    // Told once: the next runs neither mail again nor queue again.
    clock.advance(DAY);
    expect(await scheduler.runDue()).toEqual(["domain-recheck"]);
    expect(await lostMails()).toEqual(mails);
    expect(await aliasJobs()).toHaveLength(3);
  });

  it("publishing the record again and checking verifies it again and clears the loss", async () => {
    const lost = await domain("acme.test");
    dns.txt.set("_sso-portal-verification.acme.test", [lost.recordValue]);
    expect(await checkDomain(alice, lost.id, { resolver })).toMatchObject({ ok: true });
    expect(await domain("acme.test")).toMatchObject({ verified: true, lostAt: null, lostReason: null });
    await runQueue(h, database.db);
    expect(domainAliasesOf(h, "sso-recheck-acme-saml")).toEqual(["acme-corp.test", "acme.test"]);
  });

  it("a record back within the grace period resets the count; DNS not answering is not counted", async () => {
    const token = (await domain("acme-corp.test")).recordValue;
    dns.txt.delete("_sso-portal-verification.acme-corp.test");
    await recheckVerifiedDomains({ db: database.db, clock, resolver });
    expect((await domain("acme-corp.test")).failingSince).not.toBeNull();
    dns.txt.set("_sso-portal-verification.acme-corp.test", [token]);
    clock.advance(DAY);
    await recheckVerifiedDomains({ db: database.db, clock, resolver });
    expect(await domain("acme-corp.test")).toMatchObject({ verified: true, failingSince: null });

    const silent: TxtResolver = {
      resolveTxt: () => Promise.reject(Object.assign(new Error("timeout"), { code: "ETIMEOUT" })),
    };
    for (let i = 0; i < 4; i++) {
      clock.advance(DAY);
      expect(await recheckVerifiedDomains({ db: database.db, clock, resolver: silent })).toMatch(
        /0 lost, 2 not answered by DNS \(not counted\)$/,
      );
    }
    expect(await domain("acme-corp.test")).toMatchObject({ verified: true, failingSince: null });
    expect((await domain("acme-corp.test")).lastCheckError).toMatch(/did not answer/);
  });

  it("a domain verified by hand is not looked up", async () => {
    const added = await addDomain(alice, "acme-by-hand.test");
    if (!added.ok) throw new Error(added.error);
    const lena = support(await createUser(database.db, "lena@vendor.test", null), "support_admin");
    await verifyDomainByHand(
      lena,
      alice.org.id,
      added.domain.id,
      "Registrar letter, ticket 7",
    );
    const before = dns.queries.length;
    clock.advance(DAY);
    await recheckVerifiedDomains({ db: database.db, clock, resolver });
    expect(dns.queries.slice(before)).not.toContain("TXT _sso-portal-verification.acme-by-hand.test");
    expect(await domain("acme-by-hand.test")).toMatchObject({ verified: true, method: "manual" });
  });
});
