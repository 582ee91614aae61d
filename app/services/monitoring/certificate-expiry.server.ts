import type { Kysely } from "kysely";
import type { Database } from "../platform/db/schema";
import { appliedSigningCertificate, lastAppliedConnections } from "./applied-state.server";
import type { Clock } from "./clock";
import { expiryStage } from "./certificate-expiry";

/**
 * The certificate-expiry job: reads the signing certificate of every organization's live SAML
 * connection (as last applied) and records when it expires, so the dashboard and the
 * organization's page can show the soonest expiry (red once expired) without parsing anything.
 */
export async function refreshCertificateExpiry(db: Kysely<Database>, clock: Clock): Promise<string> {
  const now = clock.now();
  const applied = await lastAppliedConnections(db);
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
    await db
      .insertInto("organization_health")
      .values({ organization_id: a.org.id, ...values })
      .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
      .execute();
  }
  return `${withCert} signing certificate${withCert === 1 ? "" : "s"} checked: ${expiring} expiring within 30 days, ${expired} expired`;
}
