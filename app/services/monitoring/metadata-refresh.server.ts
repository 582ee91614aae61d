import { isDeepStrictEqual } from "node:util";
import { sql, type Kysely } from "kysely";
import { FetchRefused, type DocumentFetcher, type ValidationReport } from "~/validators/index";
import { comparableFor } from "../change-requests/comparable";
import { parseDesired, type ParsedChangeDesired } from "../change-requests/desired";
import { changedRows, diffConnections } from "../change-requests/diff";
import { supportAddresses } from "../change-requests/notify.server";
import { checkCertificateRotation } from "../change-requests/policies";
import { submitSystemChange } from "../change-requests/submit.server";
import { configurationFromReport } from "../connections/configuration.server";
import { judgeMetadataDocument } from "../idp-documents/idp-validation.server";
import { createSafeFetcher } from "../idp-documents/safe-fetch.server";
import type { ScopedOrganization } from "../identity/scope.server";
import { queueMail, type QueuedMail } from "../notifications/outbox.server";
import { renderMail } from "../notifications/templates";
import type { Database, MetadataStatus } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { getPublicUrl } from "../platform/public-url.server";
import type { Clock } from "./clock";

/**
 * The metadata-refresh job: for every organization whose applied SAML configuration came from a
 * metadata URL, fetch that URL again through the one SSRF-safe fetcher (conditionally: ETag /
 * Last-Modified of the last copy) and judge it with the validators.
 * - unchanged (304, or the same configuration): recorded;
 * - a new signing certificate or other new values: a change request submitted by the monitor —
 *   the policies may approve a certificate-only rotation at once — and the organization's
 *   administrators and support are told; raised once per document, not at every run;
 * - unreachable or now invalid: recorded and reported to both, never applied.
 */
export const METADATA_MONITOR = "metadata-monitor";

export interface MetadataRefreshOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** The fetcher (tests: the safe fetcher trusting their CA); default: the safe fetcher for this mode. */
  fetch?: DocumentFetcher;
  localMode?: boolean;
  signal?: AbortSignal;
}

interface Watched {
  org: ScopedOrganization;
  url: string;
  version: number;
  desired: ParsedChangeDesired;
  etag: string | null;
  lastModified: string | null;
  status: MetadataStatus | null;
  fingerprints: string[];
}

/** Organizations whose newest applied configuration is SAML from a metadata URL, with their last check. */
async function watched(db: Kysely<Database>): Promise<Watched[]> {
  const rows = await sql<{
    organization_id: string;
    slug: string;
    name: string;
    auth0_org_id: string | null;
    version: number;
    desired: unknown;
    metadata_etag: string | null;
    metadata_last_modified: string | null;
    metadata_status: MetadataStatus | null;
    metadata_fingerprints: string[] | string | null;
  }>`
    select latest.*, o.slug, o.name, o.auth0_org_id,
           h.metadata_etag, h.metadata_last_modified, h.metadata_status, h.metadata_fingerprints
      from (
        select distinct on (c.organization_id) c.organization_id, c.version, c.desired
          from change_requests c
         where c.state = 'applied' and c.version is not null
         order by c.organization_id, c.version desc
      ) latest
      join organizations o on o.id = latest.organization_id
      left join organization_health h on h.organization_id = latest.organization_id
     where latest.desired->'configuration'->>'protocol' = 'saml'
       and latest.desired->'configuration'->'source'->>'kind' = 'url'
     order by h.metadata_checked_at asc nulls first, o.slug
  `.execute(db);
  const out: Watched[] = [];
  for (const r of rows.rows) {
    const desired = parseDesired(r.desired);
    if (desired.configuration.source.kind !== "url") continue;
    const fps =
      typeof r.metadata_fingerprints === "string" ? JSON.parse(r.metadata_fingerprints) : r.metadata_fingerprints;
    out.push({
      org: { id: r.organization_id, slug: r.slug, name: r.name, auth0OrgId: r.auth0_org_id },
      url: desired.configuration.source.url,
      version: r.version,
      desired,
      etag: r.metadata_etag,
      lastModified: r.metadata_last_modified,
      status: r.metadata_status,
      fingerprints: Array.isArray(fps) ? fps : [],
    });
  }
  return out;
}

interface Finding {
  status: MetadataStatus;
  error: string | null;
  etag: string | null;
  lastModified: string | null;
  fingerprints: string[];
  /** A new configuration to propose (rotated / changed, raised for the first time). */
  propose?: { report: ValidationReport; rotation: boolean; summary: string };
}

async function check(w: Watched, fetch: DocumentFetcher, now: Date, localMode: boolean): Promise<Finding> {
  const keep = { etag: w.etag, lastModified: w.lastModified, fingerprints: w.fingerprints };
  let doc;
  try {
    doc = await fetch(w.url, "xml", { etag: w.etag, lastModified: w.lastModified });
  } catch (err) {
    const message = err instanceof FetchRefused ? err.message : "The metadata URL could not be fetched.";
    return { ...keep, status: "unreachable", error: message };
  }
  if (doc.notModified) {
    return {
      ...keep,
      status: w.status === "unreachable" || w.status === "invalid" ? "unchanged" : (w.status ?? "unchanged"),
      error: null,
    };
  }
  const validators = { etag: doc.etag ?? null, lastModified: doc.lastModified ?? null };
  const entityId = w.desired.configuration.protocol === "saml" ? w.desired.configuration.entityId : undefined;
  const report = judgeMetadataDocument(doc.body, { now, localMode, ...(entityId ? { entityId } : {}) });
  if (report.verdict === "error" || report.kind !== "saml-metadata") {
    const first = report.errors[0];
    return {
      ...validators,
      fingerprints: w.fingerprints,
      status: "invalid",
      error: first ? `${first.message} ${first.fix}`.slice(0, 1000) : "The document is not usable SAML metadata.",
    };
  }
  const fingerprints = report.facts.certificates
    .filter((c) => c.use === "signing" || c.use === "signing-and-encryption")
    .map((c) => c.fingerprintSha256)
    .sort();
  const configuration = configurationFromReport(report, {
    idp: w.desired.configuration.idp,
    source: w.desired.configuration.source,
    mapping: w.desired.configuration.mapping,
  });
  const proposed = comparableFor(configuration, report);
  const rows = changedRows(diffConnections(w.desired.comparable, proposed));
  if (rows.length === 0) return { ...validators, fingerprints, status: "unchanged", error: null };
  const rotation = checkCertificateRotation(w.desired.comparable, proposed, now).rotation;
  const status: MetadataStatus =
    rotation || rows.every((r) => r.field.startsWith("certificate:")) ? "rotated" : "changed";
  // Raised already for this document (same certificates, same verdict): nothing new to propose.
  if (w.status === status && isDeepStrictEqual(w.fingerprints, fingerprints)) {
    return { ...validators, fingerprints, status, error: null };
  }
  return {
    ...validators,
    fingerprints,
    status,
    error: null,
    propose: { report, rotation, summary: rows.map((r) => r.label).join(", ") },
  };
}

/** One scheduled run. Returns what it did, in words. */
export async function refreshMetadataUrls(options: MetadataRefreshOptions): Promise<string> {
  const { db } = options;
  const localMode = options.localMode ?? getEnv().localMode;
  const fetch = options.fetch ?? createSafeFetcher({ localMode });
  const counts: Record<MetadataStatus, number> = { unchanged: 0, rotated: 0, changed: 0, unreachable: 0, invalid: 0 };
  const list = await watched(db);
  for (const w of list) {
    if (options.signal?.aborted) break;
    const now = options.clock.now();
    const found = await check(w, fetch, now, localMode);
    counts[found.status]++;
    await db.transaction().execute(async (trx) => {
      const values = {
        metadata_url: w.url,
        metadata_status: found.status,
        metadata_error: found.error,
        metadata_etag: found.etag,
        metadata_last_modified: found.lastModified,
        metadata_fingerprints: JSON.stringify(found.fingerprints),
        metadata_checked_at: now,
        updated_at: now,
      };
      await trx
        .insertInto("organization_health")
        .values({ organization_id: w.org.id, ...values })
        .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
        .execute();
      let changeId: string | null = null;
      if (found.propose && w.desired.configuration.protocol === "saml") {
        const configuration = configurationFromReport(found.propose.report, {
          idp: w.desired.configuration.idp,
          source: w.desired.configuration.source,
          mapping: w.desired.configuration.mapping,
        });
        const result = await submitSystemChange(
          trx,
          { kind: "system", actor: METADATA_MONITOR, org: w.org },
          { configuration, report: found.propose.report },
          now,
        );
        if (result.ok) changeId = String(result.change.id);
      }
      const raised =
        found.propose || ((found.status === "unreachable" || found.status === "invalid") && found.status !== w.status);
      if (raised) await queueMail(trx, await metadataMails(trx, w, found, changeId, now));
    });
  }
  const parts = (Object.keys(counts) as MetadataStatus[]).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  return `${list.length} metadata URL${list.length === 1 ? "" : "s"} checked${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

const WORDS: Record<MetadataStatus, string> = {
  unchanged: "is unchanged",
  rotated: "publishes a new signing certificate",
  changed: "publishes changed single sign-on settings",
  unreachable: "could not be fetched",
  invalid: "no longer holds valid SAML metadata",
};

async function metadataMails(
  db: Kysely<Database>,
  w: Watched,
  found: Finding,
  changeId: string | null,
  now: Date,
): Promise<QueuedMail[]> {
  const base = getPublicUrl();
  const subject = `${w.org.name}'s identity provider metadata ${WORDS[found.status]}`;
  const lines: [string, string | undefined][] = [
    ["Metadata URL", w.url],
    ["Applied version", String(w.version)],
    ["What changed", found.propose?.summary],
    ["Problem", found.error ?? undefined],
    [
      "What happens now",
      found.propose
        ? found.propose.rotation
          ? "A change request with the new certificate was created; a certificate-only rotation may be approved by policy and applied to your staged connection for testing."
          : "A change request with the new values was created and waits for review."
        : "Nothing was applied: the configuration in use stays as it is.",
    ],
  ];
  const key = `metadata:${w.org.id}:${found.status}:${found.fingerprints.join(",") || now.toISOString()}`;
  const mails: QueuedMail[] = [];
  const orgLink = `${base}/orgs/${w.org.slug}/sso`;
  const admins = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.email", "users.id"])
    .where("memberships.organization_id", "=", w.org.id)
    .where("memberships.role", "=", "org_admin")
    .execute();
  const forAdmins = renderMail(
    {
      subject,
      lead: `The metadata URL your single sign-on was set up from ${WORDS[found.status]}.`,
      lines,
      action: "Open single sign-on",
    },
    orgLink,
  );
  for (const a of admins)
    mails.push({
      ...forAdmins,
      dedupeKey: key,
      to: a.email,
      toUserId: a.id,
      organizationId: w.org.id,
      kind: "metadata.changed",
      link: orgLink,
    });
  const supportLink = changeId ? `${base}/support/changes/${changeId}` : `${base}/support/orgs/${w.org.slug}`;
  const forSupport = renderMail(
    {
      subject: `[Support] ${subject}`,
      lead: `${w.org.name}'s identity provider metadata ${WORDS[found.status]}.`,
      lines,
      action: changeId ? "Open the change request" : "Open the organization's support page",
    },
    supportLink,
  );
  for (const to of supportAddresses())
    mails.push({
      ...forSupport,
      dedupeKey: key,
      to,
      organizationId: w.org.id,
      kind: "metadata.changed",
      link: supportLink,
    });
  return mails;
}
