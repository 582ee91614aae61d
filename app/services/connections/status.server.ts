import { APPLY_KINDS } from "../apply/kinds/registry.server";
import { describeCertificate } from "~/validators/certificates";
import type { CertificateFacts, ValidationReport } from "~/validators/index";
import { listJobs, desiredApplySchema } from "../apply/jobs.server";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrganizationScope } from "../identity/scope.server";
import { liveEvents, liveVersionFrom } from "../go-live/stages.server";
import { getDb } from "../platform/db.server";
import { getDraft, type Draft } from "./drafts.server";
import type { SsoState } from "./sso-state";

/**
 * Where an organization's SSO stands, for its SSO page: one state in words, the draft (if any) and
 * what was last applied to Auth0. States later issues add (waiting for review, ready to test, live)
 * come from their services through this one function.
 */
export interface AppliedSummary {
  protocol: "saml" | "oidc";
  version: number;
  /** SAML: the sign-in URL; OIDC: the issuer. */
  signInUrl: string | null;
  issuer: string | null;
  certificates: Pick<CertificateFacts, "subject" | "notAfter" | "daysLeft" | "expired" | "fingerprintSha256">[];
  appliedAt: Date;
}

export interface SsoStatus {
  state: SsoState;
  draft: Draft | null;
  applied: AppliedSummary | null;
  lastError: string | null;
}

function appliedSummary(desired: unknown, appliedAt: Date, now: Date): AppliedSummary | null {
  const parsed = desiredApplySchema.safeParse(typeof desired === "string" ? JSON.parse(desired) : desired);
  if (!parsed.success) return null;
  const c = parsed.data.connection;
  const o = c.options;
  const certificates: AppliedSummary["certificates"] = [];
  if (typeof o.signingCert === "string") {
    const pem = Buffer.from(o.signingCert, "base64").toString("utf8");
    const read = describeCertificate(pem.includes("BEGIN CERTIFICATE") ? pem : o.signingCert, "signing", now);
    if (read.ok) {
      const { subject, notAfter, daysLeft, expired, fingerprintSha256 } = read.facts;
      certificates.push({ subject, notAfter, daysLeft, expired, fingerprintSha256 });
    }
  }
  return {
    protocol: c.protocol,
    version: c.version,
    signInUrl: typeof o.signInEndpoint === "string" ? o.signInEndpoint : null,
    issuer: typeof o.issuer === "string" ? o.issuer : null,
    certificates,
    appliedAt,
  };
}

export async function getSsoStatus(scope: OrganizationScope, now = new Date()): Promise<SsoStatus> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const [draft, jobs, events] = await Promise.all([
    getDraft(scope),
    listJobs(db, scope, 10),
    liveEvents(db, scope, 20),
  ]);
  const live = liveVersionFrom(scope, events);
  const isApply = (kind: string) => (APPLY_KINDS as readonly string[]).includes(kind);
  const latest = jobs.find((j) => isApply(j.kind));
  const lastApplied = jobs.find((j) => isApply(j.kind) && j.status === "succeeded");
  const applied = lastApplied
    ? appliedSummary(lastApplied.desired, new Date(lastApplied.finished_at ?? lastApplied.updated_at), now)
    : null;
  let state: SsoState = "not-configured";
  if (latest?.status === "queued" || latest?.status === "running") state = "applying";
  else if (latest?.status === "failed" || latest?.status === "dead") state = "failed";
  else if (applied) {
    // Staged and tested versions go live through /sso/live; once the newest one is live, so is SSO.
    const isLive = live && !live.disabled && live.protocol === applied.protocol && live.version >= applied.version;
    state = isLive ? "live" : "ready-to-test";
  }
  if (draft?.state === "submitted") state = "waiting-for-review";
  else if (draft && state === "not-configured") state = "draft";
  return {
    state,
    draft,
    applied,
    lastError: latest?.status === "failed" || latest?.status === "dead" ? latest.last_error : null,
  };
}

/** The report's certificates, as the pages list them. */
export function reportCertificates(report: ValidationReport): CertificateFacts[] {
  if (report.kind === "saml-metadata") return report.facts.certificates;
  if (report.kind === "oidc-discovery")
    return (report.facts.jwks?.keys ?? []).flatMap((k) => (k.certificate ? [k.certificate] : []));
  return [];
}
