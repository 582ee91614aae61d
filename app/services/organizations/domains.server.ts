import type { Transaction } from "kysely";
import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { recordAudit, recordAuditOf } from "../audit/audit.server";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import { enqueueJob, modeJobKind } from "../apply/jobs.server";
import type { OrganizationScope, OrgScope, SupportScope, SystemOrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { Database, OrganizationDomain } from "../platform/db/schema";
import { organizationRow } from "../platform/db/row-queries.server";
import { getEnv } from "../platform/env.server";
import { normalizeDomain, verificationRecordName } from "./domain-names";
import { getScopedOrganization } from "./scoped-organization.server";
import { verifiedDomainNames } from "./verified-domains.server";

/**
 * Verified e-mail domains. An organization administrator adds a domain and gets a token; they
 * publish it as the TXT record `_sso-portal-verification.<domain>`; the portal looks it up and
 * marks the domain verified. A support lead may verify by hand, with a reason (audited). A domain
 * verified by one organization cannot be verified by another (unique index over verified rows).
 * Only verified domains reach the organization's connection (`domain_aliases`, home-realm
 * discovery) and are used to check test-login e-mails: `verifiedDomains(scope)`.
 */

/** What verification needs of DNS: node's Resolver has it; tests pass one pointed at their server. */
export interface TxtResolver {
  resolveTxt(hostname: string): Promise<string[][]>;
}

/** The resolver DNS_SERVERS names, or the system's; short timeouts: a person is waiting. */
export function dnsResolver(servers: string[] | undefined = getEnv().DNS_SERVERS): TxtResolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers(servers);
  return resolver;
}

export interface DomainView {
  id: string;
  domain: string;
  /** The TXT record to publish (name and value). */
  recordName: string;
  recordValue: string;
  createdAt: Date;
  createdBy: string;
  verified: boolean;
  verifiedAt: Date | null;
  verifiedBy: string | null;
  method: "dns" | "manual" | null;
  manualReason: string | null;
  lastCheckedAt: Date | null;
  lastCheckError: string | null;
  /** A verified domain whose record the scheduled re-check has not found since then (grace running). */
  failingSince: Date | null;
  /** The verification was lost (record gone past the grace rule); pending again since then. */
  lostAt: Date | null;
  lostReason: string | null;
}

export type DomainResult = { ok: true; domain: DomainView } | { ok: false; error: string };

function toView(row: OrganizationDomain): DomainView {
  return {
    id: row.id,
    domain: row.domain,
    recordName: verificationRecordName(row.domain),
    recordValue: row.token,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by_label,
    verified: row.verified_at !== null,
    verifiedAt: row.verified_at ? new Date(row.verified_at) : null,
    verifiedBy: row.verified_by_label,
    method: row.verification_method,
    manualReason: row.manual_reason,
    lastCheckedAt: row.last_checked_at ? new Date(row.last_checked_at) : null,
    lastCheckError: row.last_check_error,
    failingSince: row.verified_at && row.recheck_failing_since ? new Date(row.recheck_failing_since) : null,
    lostAt: row.verification_lost_at ? new Date(row.verification_lost_at) : null,
    lostReason: row.verification_lost_reason,
  };
}

function newToken(): string {
  return `sso-portal-verification=${randomBytes(24).toString("base64url")}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}

const CLAIMED_ELSEWHERE =
  "Another organization has already verified this domain. If it is yours, ask the vendor's support team.";

async function listFor(organizationId: string): Promise<DomainView[]> {
  const db = await getDb();
  const rows = await db
    .selectFrom("organization_domains")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .orderBy("domain")
    .execute();
  return rows.map(toView);
}

/** The scope's own organization's domains, verified or not (staff through `actingFor`). */
export function listDomains(scope: OrganizationScope): Promise<DomainView[]> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:domains:read");
  return listFor(scope.org.id);
}

/**
 * The organization's verified domains, sorted: what its connection's `domain_aliases` holds and
 * what a test-login e-mail must end with. Any scope that may act for the organization may ask.
 */
export async function verifiedDomains(scope: OrganizationScope): Promise<string[]> {
  return verifiedDomainNames(await getDb(), scope.org.id);
}

/**
 * The verified set changed: the organization's connections get it through the apply engine (the
 * "domain-aliases" job reads the set when it runs, so jobs queued in a row all end the same).
 */
export async function queueDomainAliases(
  trx: Transaction<Database>,
  organizationId: string,
  actor: string,
): Promise<void> {
  const scope: SystemOrgScope = { kind: "system", actor, org: await getScopedOrganization(trx, organizationId) };
  await enqueueJob(trx, scope, modeJobKind("domain-aliases"), 0, {});
}

/** An administrator adds a domain (pending until verified) and gets the record to publish. */
export async function addDomain(scope: OrgScope, input: string): Promise<DomainResult> {
  assertOrgPermission(scope, "org:domains:manage");
  const name = normalizeDomain(input);
  if (!name.ok) return name;
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("organization_domains")
      .select(["organization_id", "verified_at"])
      .where("domain", "=", name.domain)
      .execute();
    if (existing.some((r) => r.organization_id === scope.org.id)) {
      return { ok: false as const, error: `${name.domain} is already on this organization's list.` };
    }
    if (existing.some((r) => r.verified_at !== null)) return { ok: false as const, error: CLAIMED_ELSEWHERE };
    const row = await trx
      .insertInto("organization_domains")
      .values({
        organization_id: scope.org.id,
        domain: name.domain,
        token: newToken(),
        created_by_label: scope.user.email,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditOf(trx, scope, { action: "domain.added", target: name.domain });
    return { ok: true as const, domain: toView(row) };
  });
}

/** Why a lookup found no proof, in words for the administrator (never a stack trace). */
export function lookupProblem(err: unknown, recordName: string): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === "ENOTFOUND" || code === "ENODATA") {
    return `No TXT record was found at ${recordName}. Publish it at your DNS provider; changes can take a while to appear.`;
  }
  if (code === "ETIMEOUT" || code === "ECONNREFUSED" || code === "ESERVFAIL") {
    return "DNS did not answer in time. Try again in a few minutes.";
  }
  return `The DNS lookup of ${recordName} failed (${code ?? "unknown error"}). Try again in a few minutes.`;
}

/**
 * What the domain's TXT record proves now: found (one of its strings is the domain's token), or
 * not, with the problem in words and whether the answer is definite (no such name, no TXT
 * record, or records without the token) or DNS did not answer (timeout, SERVFAIL, refused).
 */
export type RecordLookup = { found: true } | { found: false; definite: boolean; problem: string };

export async function lookUpVerificationRecord(
  resolver: TxtResolver,
  domain: string,
  token: string,
): Promise<RecordLookup> {
  const recordName = verificationRecordName(domain);
  try {
    const values = (await resolver.resolveTxt(recordName)).map((chunks) => chunks.join("").trim());
    if (values.includes(token)) return { found: true };
    return {
      found: false,
      definite: true,
      problem:
        values.length === 0
          ? `No TXT record was found at ${recordName}.`
          : `The TXT record at ${recordName} does not hold this domain's value. Publish exactly the value shown (it starts with sso-portal-verification=).`,
    };
  } catch (err) {
    const code = (err as { code?: string } | null)?.code;
    return {
      found: false,
      definite: code === "ENOTFOUND" || code === "ENODATA",
      problem: lookupProblem(err, recordName),
    };
  }
}

/**
 * Looks up the domain's TXT record and marks it verified when one of the record's strings is the
 * domain's token. Null when the id is not one of the scope's organization's domains.
 */
export async function checkDomain(
  scope: OrgScope,
  domainId: string,
  options: { resolver?: TxtResolver } = {},
): Promise<DomainResult | null> {
  assertOrgPermission(scope, "org:domains:manage");
  if (!UUID.test(domainId)) return null;
  const db = await getDb();
  const row = await organizationRow(db, "organization_domains", scope.org.id, domainId);
  if (!row) return null;
  if (row.verified_at) return { ok: true, domain: toView(row) };
  const lookup = await lookUpVerificationRecord(options.resolver ?? dnsResolver(), row.domain, row.token);
  if (lookup.found) {
    return markVerified(scope.org.id, row.id, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      method: "dns",
      reason: null,
    });
  }
  const { problem } = lookup;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("organization_domains")
      .set({ last_checked_at: new Date(), last_check_error: problem })
      .where("id", "=", row.id)
      .execute();
    await recordAuditOf(trx, scope, {
      action: "domain.check_failed",
      target: row.domain,
      outcome: "failure",
      details: { reason: problem },
    });
  });
  return { ok: false, error: problem };
}

/**
 * Marks a pending domain verified and audits it, in one transaction. When another organization
 * verified the same domain first, the unique index refuses the whole transaction: that is the
 * answer, whoever raced whom.
 */
async function markVerified(
  organizationId: string,
  domainId: string,
  how: { actorUserId: string; actorLabel: string; method: "dns" | "manual"; reason: string | null },
): Promise<DomainResult> {
  const db = await getDb();
  try {
    return await db.transaction().execute((trx) => markVerifiedIn(trx, organizationId, domainId, how));
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, error: CLAIMED_ELSEWHERE };
    throw err;
  }
}

async function markVerifiedIn(
  trx: Transaction<Database>,
  organizationId: string,
  domainId: string,
  how: { actorUserId: string; actorLabel: string; method: "dns" | "manual"; reason: string | null },
): Promise<DomainResult> {
  const updated = await trx
    .updateTable("organization_domains")
    .set({
      verified_at: new Date(),
      verified_by_label: how.actorLabel,
      verification_method: how.method,
      manual_reason: how.reason,
      last_checked_at: new Date(),
      last_check_error: null,
      recheck_failures: 0,
      recheck_failing_since: null,
      verification_lost_at: null,
      verification_lost_reason: null,
    })
    .where("id", "=", domainId)
    .where("organization_id", "=", organizationId)
    .where("verified_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!updated) {
    const current = await trx
      .selectFrom("organization_domains")
      .selectAll()
      .where("id", "=", domainId)
      .executeTakeFirstOrThrow();
    return { ok: true, domain: toView(current) };
  }
  await recordAudit(trx, {
    actorUserId: how.actorUserId,
    actorLabel: how.actorLabel,
    organizationId,
    action: "domain.verified",
    target: updated.domain,
    details: how.reason ? { method: how.method, reason: how.reason } : { method: how.method },
  });
  await queueDomainAliases(trx, organizationId, how.actorLabel);
  return { ok: true, domain: toView(updated) };
}

/**
 * A support lead verifies a domain by hand (the customer proved it another way), with a reason
 * that goes into the audit log. Null when the domain is not the organization's.
 */
export async function verifyDomainByHand(
  scope: SupportScope,
  organizationId: string,
  domainId: string,
  reason: string,
): Promise<DomainResult | null> {
  assertSupportPermission(scope, "support:domains:verify");
  if (!UUID.test(domainId)) return null;
  const why = reason.trim();
  if (why.length < 5 || why.length > 500) {
    return { ok: false, error: "Say in 5–500 characters how the customer proved the domain is theirs." };
  }
  const db = await getDb();
  const row = await db
    .selectFrom("organization_domains")
    .select("id")
    .where("id", "=", domainId)
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!row) return null;
  return markVerified(organizationId, row.id, {
    actorUserId: scope.user.id,
    actorLabel: scope.user.email,
    method: "manual",
    reason: why,
  });
}

/** An administrator removes a domain (verified or not); false when it is not the organization's. */
export async function removeDomain(scope: OrgScope, domainId: string): Promise<boolean> {
  assertOrgPermission(scope, "org:domains:manage");
  if (!UUID.test(domainId)) return false;
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom("organization_domains")
      .where("id", "=", domainId)
      .where("organization_id", "=", scope.org.id)
      .returning(["domain", "verified_at"])
      .executeTakeFirst();
    if (!row) return false;
    await recordAuditOf(trx, scope, {
      action: "domain.removed",
      target: row.domain,
      details: { wasVerified: row.verified_at !== null },
    });
    if (row.verified_at !== null) await queueDomainAliases(trx, scope.org.id, scope.user.email);
    return true;
  });
}
