import { sql, type Kysely } from "kysely";
import { rotationSteps } from "~/guides/certificate-rotation";
import { IDP_IDS, type IdpId } from "../connections/identity-providers";
import { organizationAdmins, supportAddresses } from "../change-requests/notify.server";
import { queueMail, type QueuedMail } from "../notifications/outbox.server";
import { renderMail } from "../notifications/templates";
import type { Database } from "../platform/db/schema";
import { getPublicUrl } from "../platform/public-url.server";
import { appliedSigningCertificate, lastAppliedConnections, type AppliedConnection } from "./applied-state.server";
import { audienceOf, daysLeft, expiryStage, type ExpiryStage } from "./certificate-expiry";
import type { Clock } from "./clock";

/**
 * The certificate-expiry job: reads the signing certificate of every organization's live SAML
 * connection (as last applied), records when it expires (the dashboard's soonest expiry, red once
 * expired), and reminds the organization's administrators at 30, 7 and 1 days and on expiry —
 * support too from 7 days on — each reminder once per certificate, stage and person (the
 * outbox's dedupe key is the record), with the rotation steps for their IdP and the wizard's link.
 */
export async function refreshCertificateExpiry(db: Kysely<Database>, clock: Clock): Promise<string> {
  const now = clock.now();
  // The live connection's certificate: the one people sign in with (a staged version is not yet in use).
  const applied = await lastAppliedConnections(db, { stage: "live" });
  let withCert = 0;
  let expiring = 0;
  let expired = 0;
  for (const a of applied) {
    const cert = appliedSigningCertificate(a, now);
    if (!cert) continue;
    withCert++;
    const notAfter = new Date(cert.notAfter);
    const stage = expiryStage(notAfter, now);
    if (stage === "expired") expired++;
    else if (stage !== "ok") expiring++;
    const values = {
      cert_not_after: notAfter,
      cert_fingerprint: cert.fingerprintSha256,
      cert_version: a.version,
      cert_checked_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("organization_health")
        .values({ organization_id: a.org.id, ...values })
        .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
        .execute();
      if (stage !== "ok") await queueMail(trx, await reminders(trx, a, stage, notAfter, cert.fingerprintSha256, now));
    });
  }
  return `${withCert} signing certificate${withCert === 1 ? "" : "s"} checked: ${expiring} expiring within 30 days, ${expired} expired`;
}

const STAGE_WORDS: Record<Exclude<ExpiryStage, "ok">, string> = {
  "30-days": "in 30 days or less",
  "7-days": "in 7 days or less",
  "1-day": "within a day",
  expired: "has expired",
};

async function reminders(
  db: Kysely<Database>,
  applied: AppliedConnection,
  stage: Exclude<ExpiryStage, "ok">,
  notAfter: Date,
  fingerprint: string,
  now: Date,
): Promise<QueuedMail[]> {
  const audience = audienceOf(stage);
  const idpRow = await sql<{ idp: string | null }>`
    select desired->>'idp' as idp from change_requests
     where organization_id = ${applied.org.id} and version = ${applied.version}`.execute(db);
  const idpText = idpRow.rows[0]?.idp ?? "saml";
  const idp: IdpId = (IDP_IDS as readonly string[]).includes(idpText) ? (idpText as IdpId) : "saml";
  const left = daysLeft(notAfter, now);
  const when =
    stage === "expired"
      ? `expired on ${notAfter.toISOString().slice(0, 10)}`
      : `expires on ${notAfter.toISOString().slice(0, 16).replace("T", " ")} UTC (${left} day${left === 1 ? "" : "s"} left)`;
  const subject =
    stage === "expired"
      ? `Expired: ${applied.org.name}'s single sign-on certificate — sign-in fails until it is replaced`
      : `${applied.org.name}'s single sign-on certificate expires ${STAGE_WORDS[stage]}`;
  const base = getPublicUrl();
  const lines: [string, string | undefined][] = [
    ["Certificate", `${when}; SHA-256 fingerprint ${fingerprint}`],
    ["Applied version", String(applied.version)],
    [
      "How to rotate it",
      rotationSteps(idp)
        .map((s, i) => `${i + 1}. ${s}`)
        .join(" "),
    ],
  ];
  const dedupeKey = `certificate-expiry:${applied.org.id}:${fingerprint}:${stage}`;
  const mails: QueuedMail[] = [];
  if (audience.admins) {
    const admins = await organizationAdmins(db, applied.org.id);
    const link = `${base}/orgs/${applied.org.slug}/sso/setup`;
    const mail = renderMail(
      {
        subject,
        lead: `The certificate your identity provider signs ${applied.org.name}'s sign-ins with ${when}. Rotate it in your identity provider and upload the new metadata before then, or nobody can sign in with single sign-on.`,
        lines,
        action: "Open the SSO setup wizard",
      },
      link,
    );
    for (const a of admins)
      mails.push({
        ...mail,
        dedupeKey,
        to: a.email,
        toUserId: a.userId,
        organizationId: applied.org.id,
        kind: "certificate.expiry",
        link,
      });
  }
  if (audience.support) {
    const link = `${base}/support`;
    const mail = renderMail(
      {
        subject: `[Support] ${subject}`,
        lead: `${applied.org.name}'s identity provider signing certificate ${when}. Its administrators have been reminded; check in with them if it is not replaced soon.`,
        lines,
        action: "Open the support dashboard",
      },
      link,
    );
    for (const to of supportAddresses())
      mails.push({ ...mail, dedupeKey, to, organizationId: applied.org.id, kind: "certificate.expiry", link });
  }
  return mails;
}
