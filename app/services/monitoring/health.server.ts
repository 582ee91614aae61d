import { sql, type RawBuilder } from "kysely";
import { assertOrgPermission, assertSupportPermission } from "../identity/authorize.server";
import { likePattern } from "../identity/organizations.server";
import type { OrgScope, SupportScope } from "../identity/scope.server";
import type { DriftField, DriftStatus, MetadataStatus } from "../platform/db/schema";
import { getDb } from "../platform/db.server";
import { compiledStatementsByShape } from "../platform/db/compiled-statement.server";

/**
 * Every organization's health (support dashboard): the last applied version, the soonest signing
 * certificate expiry, drift, pending changes, failed apply jobs and the last metadata check. Paged
 * in SQL: the page's organizations are chosen first (only the flagged ones are scored for "needs
 * attention"), then, in the same statement, their facts are read by indexed lookups
 * (organization_health by key, apply_jobs by (organization, id) for succeeded/failed jobs,
 * change_requests by (organization, state)), so a page costs about the same at 10 or 10,000
 * organizations, with no query per row.
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
  id: string;
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
}

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

/**
 * The attention score of organization `o` joined to its health row `h`, given whether it has
 * failed apply jobs and pending changes (SQL booleans).
 */
function attentionScore(now: Date, soon: Date, failed: RawBuilder<boolean>, pending: RawBuilder<boolean>) {
  return sql<number>`(case when h.cert_not_after <= ${now} then 1000 else 0 end)
    + (case when h.drift_status in ('drifted', 'missing') then 300 else 0 end)
    + (case when h.metadata_status in ('unreachable', 'invalid') then 200 else 0 end)
    + (case when ${failed} then 100 else 0 end)
    + (case when h.cert_not_after > ${now} and h.cert_not_after <= ${soon} then 50 else 0 end)
    + (case when ${pending} then 10 else 0 end)`;
}

/**
 * Whether organization `o` has a failed apply job (`fj`) / a change waiting for review (`pc`): one
 * probe of a partial index each (apply_jobs_org_failed, change_requests_pending_org), joined as
 * `attentionFacts`; a lateral with LIMIT keeps the planner from reading every pending change.
 */
const hasFailedJobs = sql<boolean>`(fj.yes is not null)`;
const hasPendingChanges = sql<boolean>`(pc.yes is not null)`;
const attentionFacts = sql`
  left join lateral (select true as yes from apply_jobs j
                      where j.organization_id = o.id and j.status in ('failed', 'dead') limit 1) fj on true
  left join lateral (select true as yes from change_requests c
                      where c.organization_id = o.id and c.state = 'pending_review' limit 1) pc on true`;

/**
 * "Needs attention first" in bands whose scores do not overlap, each read from the indexes that
 * hold only its organizations, so a page scores only the band(s) it shows:
 * 1. an expired certificate (1000 and more; organization_health_cert);
 * 2. otherwise drift, a failing metadata URL or a failed apply job (100 to 660;
 *    organization_health_attention, apply_jobs_org_failed);
 * 3. otherwise a certificate expiring within 30 days or a pending change (10 to 60;
 *    organization_health_cert, change_requests_pending_org);
 * 4. everyone else (0), by certificate expiry and name.
 */
function attentionBands(now: Date, soon: Date) {
  const expired = sql`coalesce(h.cert_not_after <= ${now}, false)`;
  const troubled = sql`(coalesce(h.drift_status in ('drifted', 'missing'), false)
    or coalesce(h.metadata_status in ('unreachable', 'invalid'), false) or ${hasFailedJobs})`;
  const minor = sql`(coalesce(h.cert_not_after <= ${soon}, false) or ${hasPendingChanges})`;
  return [
    {
      // Read straight from the health rows, not looked up again by organization. The bound below
      // changes nothing (every timestamp is >= '-infinity') but makes it a range: with no statistics
      // (PGlite is never analyzed) the planner then reads organization_health_cert instead of every
      // health row (at 10,000 organizations ~1.4 ms of CPU less per view on PGlite).
      candidates: sql`select organization_id from organization_health where cert_not_after <= ${now}`,
      fromHealth: true,
      where: sql`h.cert_not_after >= '-infinity' and h.cert_not_after <= ${now}`,
    },
    {
      candidates: sql`select organization_id from organization_health
                       where drift_status in ('drifted', 'missing') or metadata_status in ('unreachable', 'invalid')
                      union
                      select organization_id from apply_jobs
                       where status in ('failed', 'dead') and organization_id is not null`,
      where: sql`not ${expired}`,
    },
    {
      candidates: sql`select organization_id from organization_health
                       where cert_not_after > ${now} and cert_not_after <= ${soon}
                      union
                      select organization_id from change_requests where state = 'pending_review'`,
      where: sql`not ${expired} and not ${troubled}`,
    },
    { candidates: null, where: sql`not ${expired} and not ${troubled} and not ${minor}` },
  ];
}

/** Which sort and filters a page applies: each combination is a statement of its own shape. */
interface HealthShape {
  sort: HealthSort;
  attentionOnly: boolean;
  searched: boolean;
}

interface HealthParams {
  now: Date;
  /** 30 days after `now`: a certificate expiring before is expiring soon. */
  soon: Date;
  /** The search's LIKE pattern (when `searched`). */
  search: string | null;
  /** The page's first row, from 0. */
  offset: number;
}

/** One page of organizations in the chosen order, with the total (see listOrganizationHealth). */
function healthPageQuery(shape: HealthShape, p: HealthParams) {
  const { now, soon } = p;
  const filter: PageFilter = {
    // Read only when searched: a compiled statement refuses a parameter it does not send.
    matches: shape.searched ? sql`(o.name ilike ${p.search} or o.slug ilike ${p.search})` : sql`true`,
    searching: shape.searched,
    attentionOnly: shape.attentionOnly,
    offset: p.offset,
  };
  const chosen =
    shape.sort === "name" || shape.sort === "certificate"
      ? orderedPage(shape.sort, filter, now, soon)
      : attentionPage(filter, now, soon);

  // The page's rows in full (a few indexed lookups for each of at most 50 organizations), beside
  // the total: a page past the end is the one row of the total, with no organization.
  return sql<Row & { total: string | number; pos: string | number | null }>`
    with ${chosen.with ? sql`${chosen.with},` : sql``} page as (${chosen.page})
    select t.total, d.*
      from (select ${chosen.total} as total) t
      left join (
        select p.pos, o.id, o.slug, o.name, h.cert_not_after, h.drift_status, h.drift_fields, h.drift_checked_at,
               h.metadata_status, h.metadata_checked_at,
               applied.version as applied_version,
               coalesce(pending.n, 0) as pending_changes,
               coalesce(failed.n, 0) as failed_jobs,
               ${attentionScore(now, soon, sql<boolean>`coalesce(failed.n, 0) > 0`, sql<boolean>`coalesce(pending.n, 0) > 0`)} as attention
          from page p
          join lateral (select o.id, o.slug, o.name from organizations o where o.id = p.id limit 1) o on true
          left join lateral (
            select h.cert_not_after, h.drift_status, h.drift_fields, h.drift_checked_at, h.metadata_status,
                   h.metadata_checked_at
              from organization_health h where h.organization_id = o.id limit 1) h on true
          left join lateral (
            select j.version from apply_jobs j
             where j.organization_id = o.id and j.status = 'succeeded' and j.kind in ('apply', 'repository-apply')
             order by j.id desc limit 1) applied on true
          left join lateral (
            select count(*) as n from change_requests c
             where c.organization_id = o.id and c.state = 'pending_review') pending on true
          left join lateral (
            select count(*) as n from apply_jobs j
             where j.organization_id = o.id and j.status in ('failed', 'dead')) failed on true) d on true
     order by d.pos`;
}

/** Compiled once per shape: the largest statement the portal sends, on every view of the health page. */
const healthStatement = compiledStatementsByShape("organization health", (_, p: HealthParams, shape: HealthShape) =>
  healthPageQuery(shape, p),
);

/**
 * One page of organizations in the chosen order, with the total, in ONE statement: every
 * statement costs the portal a fixed ~0.2–0.3 ms of CPU (compiling it, the round trip, parsing the
 * reply), and a view used to make three to nine (the total, one or two per band reached, the rows'
 * facts). Measured at 10,000 organizations (BENCHMARKS.md, 2026-12-06): the portal's CPU for the
 * first page 2.0 → 1.4 ms on PostgreSQL; on PGlite, whose planner runs in the portal's process,
 * about the same (12.5 → 11.1 ms, 6.5 → 7.2 ms in another run). "Needs attention first" still
 * scores only the band(s) the page falls in (see attentionPage); the facts shown (applied version,
 * counts) are read for the page's rows only.
 */
export async function listOrganizationHealth(
  scope: SupportScope,
  options: { sort?: HealthSort; attentionOnly?: boolean; search?: string; page?: number; now?: Date } = {},
): Promise<HealthPage> {
  assertSupportPermission(scope, "support:orgs:read");
  const db = await getDb();
  const now = options.now ?? new Date();
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const search = likePattern(options.search);
  const shape: HealthShape = {
    sort: options.sort === "name" || options.sort === "certificate" ? options.sort : "attention",
    attentionOnly: options.attentionOnly === true,
    searched: search !== null,
  };
  const params: HealthParams = {
    now,
    soon: new Date(now.getTime() + 30 * 86_400_000),
    search,
    offset: (page - 1) * HEALTH_PAGE_SIZE,
  };
  const rows = await healthStatement(shape)(db, params);
  const total = Number(rows[0]?.total ?? 0);
  return {
    total,
    page,
    pages: Math.max(1, Math.ceil(total / HEALTH_PAGE_SIZE)),
    rows: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
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

/** What the page's filter and paging make of every order. */
interface PageFilter {
  /** The search on the organization `o`. */
  matches: RawBuilder<unknown>;
  /** Whether there is a search (`matches` is not simply true). */
  searching: boolean;
  attentionOnly: boolean;
  offset: number;
}

/**
 * The page's organizations as SQL for one statement: `page` gives (id, pos), the page's rows in the
 * order of `pos`; `with` the common table expressions it reads; `total` the pager's total.
 */
interface ChosenPage {
  with: RawBuilder<unknown> | null;
  page: RawBuilder<unknown>;
  total: RawBuilder<unknown>;
}

/** "Name" (through organizations_name) or "certificate expiry, soonest first". */
function orderedPage(sort: "name" | "certificate", filter: PageFilter, now: Date, soon: Date): ChosenPage {
  const order = sort === "name" ? sql`o.name, o.slug` : sql`h.cert_not_after asc nulls last, o.name, o.slug`;
  const where = filter.attentionOnly ? sql`not (${attentionBands(now, soon)[3]!.where})` : sql`true`;
  // The failed-job and pending-change probes only when the filter needs them, not for every organization otherwise.
  const from = sql`organizations o left join organization_health h on h.organization_id = o.id
                   ${filter.attentionOnly ? attentionFacts : sql``}`;
  return {
    with: null,
    page: sql`select o.id, row_number() over (order by ${order}) as pos from ${from}
               where ${filter.matches} and ${where}
               order by ${order} limit ${HEALTH_PAGE_SIZE} offset ${filter.offset}`,
    total: filter.attentionOnly
      ? sql`(select count(*) from ${from} where ${filter.matches} and ${where})`
      : everyOrganization(filter),
  };
}

/**
 * "Needs attention first": the bands in order, each numbered within itself (`pos`), bands 1–3
 * materialized once as `band_1`…`band_3` (their sizes place the later bands' rows and make the
 * "only those needing attention" total). A band's rows are read only when the page reaches it: its
 * part of the page is gated by a condition on the earlier bands' sizes alone, which PostgreSQL
 * evaluates once before reading the band (a one-time filter) — in a CASE, so the size of a band
 * is never asked for when an earlier one already fills the page. On the first page, usually only
 * the expired certificates are read, as when each band was a statement of its own.
 */
function attentionPage(filter: PageFilter, now: Date, soon: Date): ChosenPage {
  const score = attentionScore(now, soon, hasFailedJobs, hasPendingChanges);
  const bands = attentionBands(now, soon);
  const skip = sql`${filter.offset}::bigint`;
  const stop = sql`(${filter.offset}::bigint + ${sql.lit(HEALTH_PAGE_SIZE)})`;
  const named: RawBuilder<unknown>[] = [];
  const parts: RawBuilder<unknown>[] = [];
  // Before band i: the number of organizations in the bands before it, and whether the page reaches it.
  let before: RawBuilder<unknown> = sql`0::bigint`;
  let reached: RawBuilder<unknown> = sql`true`;
  for (const [i, band] of (filter.attentionOnly ? bands.slice(0, 3) : bands).entries()) {
    // Only the columns the order and the filters use: the rows are read for every organization in the band.
    const organization = (id: RawBuilder<unknown>) =>
      sql`join lateral (select o.id, o.name, o.slug from organizations o where o.id = ${id} limit 1) o on true`;
    const from =
      "fromHealth" in band
        ? sql`organization_health h ${organization(sql`h.organization_id`)} ${attentionFacts}`
        : band.candidates
          ? sql`(${band.candidates}) x ${organization(sql`x.organization_id`)}
                left join lateral (select h.cert_not_after, h.drift_status, h.metadata_status
                                     from organization_health h where h.organization_id = o.id limit 1) h on true
                ${attentionFacts}`
          : sql`organizations o left join organization_health h on h.organization_id = o.id ${attentionFacts}`;
    const numbered = sql`
      select o.id, row_number() over (
               order by ${band.candidates ? sql`${score} desc,` : sql``} h.cert_not_after asc nulls last, o.name, o.slug) as pos
        from ${from}
       where ${filter.matches} and ${band.where}`;
    // Everyone else (band 4) is never counted: it is read only for a page past the flagged ones.
    const source = band.candidates ? sql.ref(`band_${i + 1}`) : sql`(${numbered})`;
    if (band.candidates) named.push(sql`${source} as materialized (${numbered})`);
    parts.push(sql`
      select b.id, ${before} + b.pos as pos from ${source} b
       where ${reached} and b.pos > ${skip} - ${before} and b.pos <= ${stop} - ${before}`);
    if (band.candidates) {
      before = sql`(${before} + (select count(*) from ${source}))`;
      reached = sql`(case when ${reached} then ${before} < ${stop} else false end)`;
    }
  }
  return {
    with: sql.join(named),
    page: sql.join(parts, sql` union all `),
    // Only those needing attention: the flagged bands' sizes.
    total: filter.attentionOnly ? before : everyOrganization(filter),
  };
}

/** The number of organizations the search lets through (the pager's total without "only those needing attention"). */
function everyOrganization(filter: PageFilter): RawBuilder<unknown> {
  // Without a search, the count the database keeps (migration 017) instead of reading every organization.
  return filter.searching
    ? sql`(select count(*) from organizations o where ${filter.matches})`
    : sql`(select n from organization_count)`;
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
export interface LiveCertificate {
  notAfter: Date;
  fingerprint: string | null;
  version: number | null;
  checkedAt: Date | null;
}

export async function liveCertificateExpiry(scope: OrgScope): Promise<LiveCertificate | null> {
  assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const h = await db
    .selectFrom("organization_health")
    .select(["cert_not_after", "cert_fingerprint", "cert_version", "cert_checked_at"])
    .where("organization_id", "=", scope.org.id)
    .executeTakeFirst();
  return h ? liveCertificateFrom(h) : null;
}

/** The health row's certificate columns (read alone, or as JSON in a larger statement). */
export interface LiveCertificateRow {
  cert_not_after: Date | string | null;
  cert_fingerprint: string | null;
  cert_version: number | null;
  cert_checked_at: Date | string | null;
}

export function liveCertificateFrom(h: LiveCertificateRow): LiveCertificate | null {
  if (!h.cert_not_after) return null;
  return {
    notAfter: new Date(h.cert_not_after),
    fingerprint: h.cert_fingerprint,
    version: h.cert_version,
    checkedAt: date(h.cert_checked_at),
  };
}
