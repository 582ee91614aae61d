import { sql } from "kysely";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import type { OrgScope, SupportScope } from "../identity/scope.server";
import type { DriftField, DriftStatus, MetadataStatus } from "../platform/db/schema";
import { getDb } from "../platform/db.server";

/**
 * Every organization's health in one query (support dashboard): the last applied version, the
 * soonest signing certificate expiry, drift, pending changes, failed apply jobs and the last
 * metadata check. Per-organization facts come from indexed lookups (organization_health by key,
 * apply_jobs by (organization, id) for succeeded/failed jobs, change_requests by (organization,
 * state)), so a page costs the same at 10 or 10,000 organizations, with no query per row.
 */

export const HEALTH_SORTS = ["attention", "name", "certificate"] as const;
export type HealthSort = (typeof HEALTH_SORTS)[number];
export const HEALTH_PAGE_SIZE = 50;

export interface OrganizationHealth {
  slug: string;
  name: string;
  appliedVersion: number | null;
  certNotAfter: Date | null;
  driftStatus: DriftStatus | null;
  driftFields: DriftField[];
  driftCheckedAt: Date | null;
  pendingChanges: number;
  failedJobs: number;
  metadataStatus: MetadataStatus | null;
  metadataCheckedAt: Date | null;
  /** Higher needs support sooner: expired certificate, drift, failed jobs, expiring certificate, pending changes. */
  attention: number;
}

export interface HealthPage {
  rows: OrganizationHealth[];
  total: number;
  page: number;
  pages: number;
}

interface Row {
  slug: string;
  name: string;
  applied_version: number | null;
  cert_not_after: Date | string | null;
  drift_status: DriftStatus | null;
  drift_fields: DriftField[] | string | null;
  drift_checked_at: Date | string | null;
  pending_changes: string | number;
  failed_jobs: string | number;
  metadata_status: MetadataStatus | null;
  metadata_checked_at: Date | string | null;
  attention: string | number;
  total: string | number;
}

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

export async function listOrganizationHealth(
  scope: SupportScope,
  options: { sort?: HealthSort; attentionOnly?: boolean; search?: string; page?: number; now?: Date } = {},
): Promise<HealthPage> {
  assertSupportPermission(scope, "support:orgs:read");
  const db = await getDb();
  const now = options.now ?? new Date();
  const soon = new Date(now.getTime() + 30 * 86_400_000);
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const search = options.search?.trim().toLowerCase();
  const order =
    options.sort === "name"
      ? sql`name, slug`
      : options.sort === "certificate"
        ? sql`cert_not_after asc nulls last, name`
        : sql`attention desc, cert_not_after asc nulls last, name`;
  const result = await sql<Row>`
    with health as (
      select o.slug, o.name, h.cert_not_after, h.drift_status, h.drift_fields, h.drift_checked_at,
             h.metadata_status, h.metadata_checked_at,
             applied.version as applied_version,
             coalesce(pending.n, 0) as pending_changes,
             coalesce(failed.n, 0) as failed_jobs,
             (case when h.cert_not_after <= ${now} then 1000 else 0 end)
             + (case when h.drift_status in ('drifted', 'missing') then 300 else 0 end)
             + (case when h.metadata_status in ('unreachable', 'invalid') then 200 else 0 end)
             + (case when coalesce(failed.n, 0) > 0 then 100 else 0 end)
             + (case when h.cert_not_after > ${now} and h.cert_not_after <= ${soon} then 50 else 0 end)
             + (case when coalesce(pending.n, 0) > 0 then 10 else 0 end) as attention
        from organizations o
        left join organization_health h on h.organization_id = o.id
        left join lateral (
          select j.version from apply_jobs j
           where j.organization_id = o.id and j.status = 'succeeded' and j.kind in ('apply', 'repository-apply')
           order by j.id desc limit 1) applied on true
        left join lateral (
          select count(*) as n from change_requests c
           where c.organization_id = o.id and c.state = 'pending_review') pending on true
        left join lateral (
          select count(*) as n from apply_jobs j
           where j.organization_id = o.id and j.status in ('failed', 'dead')) failed on true
       ${search ? sql`where lower(o.name) like ${`%${search}%`} or o.slug like ${`%${search}%`}` : sql``}
    )
    select o.*, count(*) over () as total from health o
     ${options.attentionOnly ? sql`where attention > 0` : sql``}
     order by ${order}
     limit ${HEALTH_PAGE_SIZE} offset ${(page - 1) * HEALTH_PAGE_SIZE}
  `.execute(db);
  const total = Number(result.rows[0]?.total ?? 0);
  return {
    total,
    page,
    pages: Math.max(1, Math.ceil(total / HEALTH_PAGE_SIZE)),
    rows: result.rows.map((r) => ({
      slug: r.slug,
      name: r.name,
      appliedVersion: r.applied_version,
      certNotAfter: date(r.cert_not_after),
      driftStatus: r.drift_status,
      driftFields: (typeof r.drift_fields === "string" ? JSON.parse(r.drift_fields) : r.drift_fields) ?? [],
      driftCheckedAt: date(r.drift_checked_at),
      pendingChanges: Number(r.pending_changes),
      failedJobs: Number(r.failed_jobs),
      metadataStatus: r.metadata_status,
      metadataCheckedAt: date(r.metadata_checked_at),
      attention: Number(r.attention),
    })),
  };
}

/** One organization's monitoring facts, for its support page. */
export interface OrganizationMonitoring {
  certNotAfter: Date | null;
  certFingerprint: string | null;
  certVersion: number | null;
  driftStatus: DriftStatus | null;
  driftFields: DriftField[];
  driftVersion: number | null;
  driftError: string | null;
  driftCheckedAt: Date | null;
  metadataUrl: string | null;
  metadataStatus: MetadataStatus | null;
  metadataError: string | null;
  metadataCheckedAt: Date | null;
}

export async function organizationMonitoring(
  scope: SupportScope,
  organizationId: string,
): Promise<OrganizationMonitoring | null> {
  assertSupportPermission(scope, "support:orgs:read");
  const db = await getDb();
  const h = await db
    .selectFrom("organization_health")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!h) return null;
  const fields = typeof h.drift_fields === "string" ? (JSON.parse(h.drift_fields) as DriftField[]) : h.drift_fields;
  return {
    certNotAfter: date(h.cert_not_after as Date | string | null),
    certFingerprint: h.cert_fingerprint,
    certVersion: h.cert_version,
    driftStatus: h.drift_status,
    driftFields: fields ?? [],
    driftVersion: h.drift_version,
    driftError: h.drift_error,
    driftCheckedAt: date(h.drift_checked_at as Date | string | null),
    metadataUrl: h.metadata_url,
    metadataStatus: h.metadata_status,
    metadataError: h.metadata_error,
    metadataCheckedAt: date(h.metadata_checked_at as Date | string | null),
  };
}

/** The live signing certificate's expiry as the certificate job last read it (the customer's SSO page). */
export async function liveCertificateExpiry(
  scope: OrgScope,
): Promise<{ notAfter: Date; fingerprint: string | null; version: number | null; checkedAt: Date | null } | null> {
  assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const h = await db
    .selectFrom("organization_health")
    .select(["cert_not_after", "cert_fingerprint", "cert_version", "cert_checked_at"])
    .where("organization_id", "=", scope.org.id)
    .executeTakeFirst();
  if (!h?.cert_not_after) return null;
  return {
    notAfter: new Date(h.cert_not_after as Date | string),
    fingerprint: h.cert_fingerprint,
    version: h.cert_version,
    checkedAt: date(h.cert_checked_at as Date | string | null),
  };
}
