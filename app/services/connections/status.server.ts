import { sql, type RawBuilder } from "kysely";
import { APPLY_KINDS } from "../apply/kinds/registry.server";
import { describeCertificate } from "~/validators/certificates";
import type { CertificateFacts, ValidationReport } from "~/validators/index";
import type { ChangeOutcomeView } from "~/components/change-outcome";
import { desiredApplySchema } from "../apply/jobs.server";
import { changeOutcomesFrom, followingApplyJobs, recentChangesJson } from "../change-requests/org-changes.server";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrganizationScope, OrgScope } from "../identity/scope.server";
import { liveVersionFrom, type LiveEventFacts } from "../go-live/stages.server";
import { liveCertificateFrom, type LiveCertificate, type LiveCertificateRow } from "../monitoring/health.server";
import { getDb, type Executor } from "../platform/db.server";
import { compiledStatement } from "../platform/db/compiled-statement.server";
import type { ApplyJob } from "../platform/db/schema";
import { toDraft, type Draft, type DraftRow } from "./drafts.server";
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

export interface SsoOverview {
  status: SsoStatus;
  /** The live signing certificate as the certificate job last read it (liveCertificateExpiry). */
  certificate: LiveCertificate | null;
  /** The newest changes and how they went (loadChangeOutcomes). */
  changes: ChangeOutcomeView[];
}

/**
 * Everything the SSO page shows of the organization: getSsoStatus, liveCertificateExpiry and
 * loadChangeOutcomes(scope, changes) in one read. A change whose apply job finished is moved and
 * the whole read done again (the move writes only the change, which the rest does not read).
 */
export async function loadSsoOverview(scope: OrgScope, options: { changes: number; now?: Date }): Promise<SsoOverview> {
  assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const read = await followingApplyJobs(
    () => readSsoState(db, scope.org.id, options.changes),
    (r) => r.changes,
  );
  return {
    status: ssoStatusFrom(scope, read, options.now ?? new Date()),
    certificate: read.certificate,
    changes: read.changes,
  };
}

export async function getSsoStatus(scope: OrganizationScope, now = new Date()): Promise<SsoStatus> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  return ssoStatusFrom(scope, await readSsoState(await getDb(), scope.org.id, 0), now);
}

/** What the state is judged from, and what the page shows with it. */
interface SsoStateRead {
  draft: Draft | null;
  /** Of the newest 10 jobs (any kind), the newest apply job and the newest one that succeeded. */
  latestApply: Pick<ApplyJob, "status" | "last_error"> | null;
  lastApplied: { desired: unknown; finished_at: Date | string | null; updated_at: Date | string } | null;
  /** The newest 20, newest first. */
  liveEvents: LiveEventFacts[];
  certificate: LiveCertificate | null;
  changes: ChangeOutcomeView[];
}

const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

/** The statement readSsoState sends, `changes` the JSON of the newest changes or null. */
function ssoStateStatement(organizationId: string, changes: RawBuilder<unknown>) {
  const applyKinds = sql.join([...APPLY_KINDS]);
  return sql<Record<"draft" | "latest_apply" | "last_applied" | "live_events" | "certificate" | "changes", unknown>>`
    with recent_jobs as (
      select id, kind, status, last_error, desired, finished_at, updated_at
        from apply_jobs
       where organization_id = ${organizationId}
       order by id desc
       limit 10)
    select
      (select row_to_json(d) from connection_drafts d where d.organization_id = ${organizationId}) as draft,
      (select json_build_object('status', j.status, 'last_error', j.last_error)
         from recent_jobs j
        where j.kind in (${applyKinds})
        order by j.id desc
        limit 1) as latest_apply,
      (select json_build_object('desired', j.desired, 'finished_at', j.finished_at, 'updated_at', j.updated_at)
         from recent_jobs j
        where j.kind in (${applyKinds}) and j.status = 'succeeded'
        order by j.id desc
        limit 1) as last_applied,
      (select coalesce(json_agg(e order by e.id desc), '[]')
         from (select id, action, protocol, version, reason, actor_label, created_at
                 from live_events
                where organization_id = ${organizationId}
                order by id desc
                limit 20) e) as live_events,
      (select json_build_object('cert_not_after', h.cert_not_after, 'cert_fingerprint', h.cert_fingerprint,
                                'cert_version', h.cert_version, 'cert_checked_at', h.cert_checked_at)
         from organization_health h
        where h.organization_id = ${organizationId}) as certificate,
      ${changes} as changes`;
}

/** Compiled once: the SSO page reads it on every view (with its newest changes), the API without. */
const ssoStateWithChanges = compiledStatement(
  "sso state with changes",
  (_, p: { organizationId: string; changes: number }) =>
    ssoStateStatement(p.organizationId, recentChangesJson(p.organizationId, p.changes)),
);
const ssoState = compiledStatement("sso state", (_, p: { organizationId: string }) =>
  ssoStateStatement(p.organizationId, sql`null`),
);

/**
 * The organization's draft, apply jobs, live events, the health row's certificate and (when
 * `changes` > 0) its newest changes, in ONE statement: each statement costs the portal a fixed
 * ~0.2–0.3 ms of CPU (compiling it, the round trip, parsing the reply) and waits its turn on
 * PGlite's one session. The SSO page of an organization with three applied changes sent 9 (the
 * session, the changes, each change's job, then one per table), now 2: 0.81–0.85 of the portal's
 * CPU per view on PostgreSQL, 0.92–0.93 on PGlite (BENCHMARKS.md, 2026-12-06 session 22). Each part
 * is a subquery (JSON, so its rows come back in one column) filtered by the organization's id;
 * the values are converted back to what reading each table alone gives (timestamps come back as
 * text inside JSON).
 */
async function readSsoState(db: Executor, organizationId: string, changes: number): Promise<SsoStateRead> {
  const rows =
    changes > 0 ? await ssoStateWithChanges(db, { organizationId, changes }) : await ssoState(db, { organizationId });
  const row = rows[0]!;
  const draft = json(row.draft) as DraftRow | null;
  const certificate = json(row.certificate) as LiveCertificateRow | null;
  const events = (json(row.live_events) ?? []) as (Omit<LiveEventFacts, "created_at"> & { created_at: string })[];
  return {
    draft: draft ? toDraft(draft) : null,
    latestApply: json(row.latest_apply) as SsoStateRead["latestApply"],
    lastApplied: json(row.last_applied) as SsoStateRead["lastApplied"],
    liveEvents: events.map((e) => ({ ...e, created_at: new Date(e.created_at) })),
    certificate: certificate ? liveCertificateFrom(certificate) : null,
    changes: changeOutcomesFrom(row.changes),
  };
}

/** The state in words from what readSsoState read. */
function ssoStatusFrom(scope: OrganizationScope, read: SsoStateRead, now: Date): SsoStatus {
  const { draft, latestApply: latest, lastApplied } = read;
  const live = liveVersionFrom(scope, read.liveEvents);
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
