import type { Kysely } from "kysely";
import { organizationAdmins, supportAddresses } from "../change-requests/notify.server";
import type { Clock } from "../monitoring/clock";
import { queueMail, type QueuedMail } from "../notifications/outbox.server";
import { renderMail } from "../notifications/templates";
import { recordAudit } from "../audit/audit.server";
import type { Database } from "../platform/db/schema";
import { getPublicUrl } from "../platform/public-url.server";
import { DOMAIN_RECHECK_GRACE } from "./domain-grace";
import { verificationRecordName } from "./domain-names";
import { dnsResolver, lookUpVerificationRecord, queueDomainAliases, type TxtResolver } from "./domains.server";

/**
 * The "domain-recheck" scheduled job (ADR 014): every domain verified by its DNS record is looked
 * up again. A record still holding the token keeps it verified; a definite "not there" (no such
 * name, no TXT record, or records without the token) counts as a failed check; a resolver that
 * does not answer (timeout, SERVFAIL, refused) counts for nothing. A domain loses its verification
 * only after GRACE.checks failed checks in a row spanning at least GRACE.hours — a DNS migration
 * or a mistaken edit fixed the same day costs nothing. Then it is pending again (so it leaves
 * `domain_aliases` through the same "domain-aliases" job a removal queues, and another
 * organization may claim it), the loss is audited, and the administrators and support are told
 * once. Domains verified by hand by a support lead have no record to look for and are not checked.
 */
export const RECHECK_ACTOR = "Domain re-check";

export interface DomainRecheckOptions {
  db: Kysely<Database>;
  clock: Clock;
  resolver?: TxtResolver;
  signal?: AbortSignal;
}

export async function recheckVerifiedDomains(options: DomainRecheckOptions): Promise<string> {
  const { db, clock } = options;
  const resolver = options.resolver ?? dnsResolver();
  const rows = await db
    .selectFrom("organization_domains")
    .innerJoin("organizations", "organizations.id", "organization_domains.organization_id")
    .select([
      "organization_domains.id",
      "organization_domains.domain",
      "organization_domains.token",
      "organization_domains.organization_id",
      "organization_domains.recheck_failures",
      "organization_domains.recheck_failing_since",
      "organizations.name as orgName",
      "organizations.slug as orgSlug",
    ])
    .where("organization_domains.verified_at", "is not", null)
    .where("organization_domains.verification_method", "=", "dns")
    .where("organizations.status", "in", ["active", "suspended"])
    .orderBy("organization_domains.domain")
    .execute();
  let stillVerified = 0;
  let failing = 0;
  let lost = 0;
  let unanswered = 0;
  for (const row of rows) {
    if (options.signal?.aborted) break;
    const now = clock.now();
    const result = await lookUpVerificationRecord(resolver, row.domain, row.token);
    if (result.found) {
      stillVerified++;
      await db
        .updateTable("organization_domains")
        .set({ last_checked_at: now, last_check_error: null, recheck_failures: 0, recheck_failing_since: null })
        .where("id", "=", row.id)
        .where("verified_at", "is not", null)
        .execute();
      continue;
    }
    if (!result.definite) {
      unanswered++;
      await db
        .updateTable("organization_domains")
        .set({ last_checked_at: now, last_check_error: result.problem })
        .where("id", "=", row.id)
        .where("verified_at", "is not", null)
        .execute();
      continue;
    }
    const failures = row.recheck_failures + 1;
    const since = row.recheck_failing_since ? new Date(row.recheck_failing_since) : now;
    const graceOver =
      failures >= DOMAIN_RECHECK_GRACE.checks &&
      now.getTime() - since.getTime() >= DOMAIN_RECHECK_GRACE.hours * 3600_000;
    if (!graceOver) {
      failing++;
      await db
        .updateTable("organization_domains")
        .set({
          last_checked_at: now,
          last_check_error: result.problem,
          recheck_failures: failures,
          recheck_failing_since: since,
        })
        .where("id", "=", row.id)
        .where("verified_at", "is not", null)
        .execute();
      continue;
    }
    const reason = `${result.problem} The record was missing at ${failures} checks in a row since ${since.toISOString().slice(0, 16).replace("T", " ")} UTC.`;
    const done = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("organization_domains")
        .set({
          verified_at: null,
          verified_by_label: null,
          verification_method: null,
          manual_reason: null,
          last_checked_at: now,
          last_check_error: result.problem,
          recheck_failures: 0,
          recheck_failing_since: null,
          verification_lost_at: now,
          verification_lost_reason: reason,
        })
        .where("id", "=", row.id)
        .where("verified_at", "is not", null)
        .returning("id")
        .executeTakeFirst();
      if (!updated) return false;
      await recordAudit(trx, {
        actorLabel: RECHECK_ACTOR,
        organizationId: row.organization_id,
        action: "domain.verification_lost",
        target: row.domain,
        details: { reason, failures, failingSince: since.toISOString() },
      });
      await queueDomainAliases(trx, row.organization_id, RECHECK_ACTOR);
      await queueMail(trx, await lostMails(trx, row, reason, now));
      return true;
    });
    if (done) lost++;
  }
  const parts = [
    `${rows.length} verified domain${rows.length === 1 ? "" : "s"} re-checked`,
    `${stillVerified} still proved`,
    `${failing} failing within the grace period`,
    `${lost} lost`,
  ];
  if (unanswered > 0) parts.push(`${unanswered} not answered by DNS (not counted)`);
  return parts.join(", ");
}

async function lostMails(
  db: Kysely<Database>,
  row: { id: string; domain: string; organization_id: string; orgName: string; orgSlug: string },
  reason: string,
  lostAt: Date,
): Promise<QueuedMail[]> {
  const base = getPublicUrl();
  const subject = `${row.orgName}: the domain ${row.domain} is no longer verified`;
  const lines: [string, string | undefined][] = [
    ["Domain", row.domain],
    ["Record", verificationRecordName(row.domain)],
    ["Why", reason],
    [
      "What happens now",
      `People with an address at ${row.domain} are no longer sent to ${row.orgName}'s sign-in. Publish the record again and press “Check now” on the Domains page to verify it again.`,
    ],
  ];
  // Once per loss: a domain lost, verified again and lost again is told again.
  const dedupeKey = `domain-lost:${row.id}:${lostAt.toISOString()}`;
  const adminLink = `${base}/orgs/${row.orgSlug}/domains`;
  const forAdmins = renderMail(
    {
      subject,
      lead: `The DNS record that proved ${row.domain} belongs to ${row.orgName} has not been found for a while.`,
      lines,
      action: "Open the Domains page",
    },
    adminLink,
  );
  const supportLink = `${base}/support/orgs/${row.orgSlug}`;
  const forSupport = renderMail(
    {
      subject: `[Support] ${subject}`,
      lead: `${row.orgName}'s domain ${row.domain} lost its verification: its DNS record is gone.`,
      lines,
      action: "Open the organization's support page",
    },
    supportLink,
  );
  const common = { dedupeKey, organizationId: row.organization_id, kind: "domain.verification_lost" };
  return [
    ...(await organizationAdmins(db, row.organization_id)).map((a) => ({
      ...forAdmins,
      ...common,
      to: a.email,
      toUserId: a.userId,
      link: adminLink,
    })),
    ...supportAddresses().map((to) => ({ ...forSupport, ...common, to, link: supportLink })),
  ];
}
