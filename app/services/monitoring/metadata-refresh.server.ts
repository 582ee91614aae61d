import { isDeepStrictEqual } from "node:util";
import { sql, type Kysely } from "kysely";
import { createHash } from "node:crypto";
import {
  discoveryUrlFor,
  FetchRefused,
  validateJwks,
  type DocumentFetcher,
  type FetchedDocument,
  type ValidationReport,
} from "~/validators/index";
import { comparableFor } from "../change-requests/comparable";
import { parseDesired, type ParsedChangeDesired } from "../change-requests/desired";
import { changedRows, diffConnections } from "../change-requests/diff";
import { organizationAdmins, supportAddresses } from "../change-requests/notify.server";
import { checkCertificateRotation } from "../change-requests/policies";
import { submitSystemChange } from "../change-requests/submit.server";
import { configurationFromReport } from "../connections/configuration.server";
import { judgeMetadataDocument, judgeOidcProvider } from "../idp-documents/idp-validation.server";
import type { ConnectionConfiguration, OidcConfiguration } from "../connections/configuration";
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
 * metadata URL, or whose OIDC configuration came from a discovery URL (ADR 015), fetch that URL
 * again through the one SSRF-safe fetcher (conditionally: ETag / Last-Modified of the last copy)
 * and judge it with the validators — for OIDC the discovery document and its key set (jwks_uri).
 * An OIDC key rotation needs no change (Auth0 fetches the key set itself): it is recorded only; a
 * changed issuer or endpoint is proposed as a change request for review.
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
  jwksEtag: string | null;
  jwksLastModified: string | null;
  status: MetadataStatus | null;
  fingerprints: string[];
}

/**
 * Organizations whose newest applied configuration is SAML from a metadata URL or OIDC from a
 * discovery URL, with their last check.
 */
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
    jwks_etag: string | null;
    jwks_last_modified: string | null;
  }>`
    select latest.*, o.slug, o.name, o.auth0_org_id,
           h.metadata_etag, h.metadata_last_modified, h.metadata_status, h.metadata_fingerprints,
           h.jwks_etag, h.jwks_last_modified
      from (
        select distinct on (c.organization_id) c.organization_id, c.version, c.desired
          from change_requests c
         where c.state = 'applied' and c.version is not null
         order by c.organization_id, c.version desc
      ) latest
      join organizations o on o.id = latest.organization_id
      left join organization_health h on h.organization_id = latest.organization_id
     where (latest.desired->'configuration'->>'protocol' = 'saml'
            and latest.desired->'configuration'->'source'->>'kind' = 'url')
        or (latest.desired->'configuration'->>'protocol' = 'oidc'
            and latest.desired->'configuration'->'source'->>'kind' = 'discovery')
     order by h.metadata_checked_at asc nulls first, o.slug
  `.execute(db);
  const out: Watched[] = [];
  for (const r of rows.rows) {
    const desired = parseDesired(r.desired);
    const c = desired.configuration;
    const url =
      c.protocol === "saml"
        ? c.source.kind === "url"
          ? c.source.url
          : null
        : c.source.kind === "discovery"
          ? (c.options.discovery_url ?? discoveryUrlFor(c.source.url))
          : null;
    if (!url) continue;
    const fps =
      typeof r.metadata_fingerprints === "string" ? JSON.parse(r.metadata_fingerprints) : r.metadata_fingerprints;
    out.push({
      org: { id: r.organization_id, slug: r.slug, name: r.name, auth0OrgId: r.auth0_org_id },
      url,
      version: r.version,
      desired,
      etag: r.metadata_etag,
      lastModified: r.metadata_last_modified,
      jwksEtag: r.jwks_etag,
      jwksLastModified: r.jwks_last_modified,
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
  jwksEtag: string | null;
  jwksLastModified: string | null;
  fingerprints: string[];
  /** A new configuration to propose (rotated / changed, raised for the first time). */
  propose?: { report: ValidationReport; configuration: ConnectionConfiguration; rotation: boolean; summary: string };
}

/** After a 304: the last verdict stands, except that a document answering again is no longer unreachable or invalid. */
function statusAfterNotModified(w: Watched): MetadataStatus {
  return w.status === "unreachable" || w.status === "invalid" ? "unchanged" : (w.status ?? "unchanged");
}

/** Why a document could not be fetched, for the customer: the refusal's reason, or that `what` could not be. */
function unreachableReason(err: unknown, what: string): string {
  return err instanceof FetchRefused ? err.message : `${what} could not be fetched.`;
}

/** A watched document: fetched again only if it changed since these validators. */
interface WatchedDocument {
  url: string;
  etag: string | null;
  lastModified: string | null;
}

/** The document (or its not-modified answer), or why it could not be fetched. */
async function fetchWatched(
  fetch: DocumentFetcher,
  doc: WatchedDocument,
  expect: "xml" | "json",
  what: string,
): Promise<FetchedDocument | { unreachable: string }> {
  try {
    return await fetch(doc.url, expect, { etag: doc.etag, lastModified: doc.lastModified });
  } catch (err) {
    return { unreachable: unreachableReason(err, what) };
  }
}

/** Why a judged document is invalid: its first error and how to fix it, or `fallback`. */
function invalidReason(errors: { message: string; fix: string }[], fallback: string): string {
  const first = errors[0];
  return first ? `${first.message} ${first.fix}`.slice(0, 1000) : fallback;
}

function check(w: Watched, fetch: DocumentFetcher, now: Date, localMode: boolean): Promise<Finding> {
  return w.desired.configuration.protocol === "oidc"
    ? checkOidc(w, w.desired.configuration, fetch, now, localMode)
    : checkSaml(w, fetch, now, localMode);
}

async function checkSaml(w: Watched, fetch: DocumentFetcher, now: Date, localMode: boolean): Promise<Finding> {
  const keep = {
    etag: w.etag,
    lastModified: w.lastModified,
    jwksEtag: null,
    jwksLastModified: null,
    fingerprints: w.fingerprints,
  };
  const doc = await fetchWatched(fetch, w, "xml", "The metadata URL");
  if ("unreachable" in doc) return { ...keep, status: "unreachable", error: doc.unreachable };
  if (doc.notModified) return { ...keep, status: statusAfterNotModified(w), error: null };
  const validators = {
    etag: doc.etag ?? null,
    lastModified: doc.lastModified ?? null,
    jwksEtag: null,
    jwksLastModified: null,
  };
  const entityId = w.desired.configuration.protocol === "saml" ? w.desired.configuration.entityId : undefined;
  const report = judgeMetadataDocument(doc.body, { now, localMode, ...(entityId ? { entityId } : {}) });
  if (report.verdict === "error" || report.kind !== "saml-metadata") {
    return {
      ...validators,
      fingerprints: w.fingerprints,
      status: "invalid",
      error: invalidReason(report.errors, "The document is not usable SAML metadata."),
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
    propose: { report, configuration, rotation, summary: rows.map((r) => r.label).join(", ") },
  };
}

/** The OIDC options whose change needs a new version (the key set is fetched by Auth0 itself). */
const OIDC_FIELDS = [
  ["issuer", "Issuer"],
  ["authorization_endpoint", "Authorization endpoint"],
  ["token_endpoint", "Token endpoint"],
  ["userinfo_endpoint", "Userinfo endpoint"],
  ["jwks_uri", "Key set URL (jwks_uri)"],
] as const;

/** The key set's signing keys, as recorded: `kid:<kid>` (or the key's position when it has no kid). */
function keyFingerprints(keys: { kid?: string; usable: boolean }[]): string[] {
  return keys
    .filter((k) => k.usable)
    .map((k, i) => `kid:${k.kid ?? `#${i}`}`)
    .sort();
}

async function checkOidc(
  w: Watched,
  config: OidcConfiguration,
  fetch: DocumentFetcher,
  now: Date,
  localMode: boolean,
): Promise<Finding> {
  const keep = {
    etag: w.etag,
    lastModified: w.lastModified,
    jwksEtag: w.jwksEtag,
    jwksLastModified: w.jwksLastModified,
    fingerprints: w.fingerprints,
  };
  const discovery = await fetchWatched(fetch, w, "json", "The discovery document");
  if ("unreachable" in discovery) return { ...keep, status: "unreachable", error: discovery.unreachable };
  if (discovery.notModified) {
    // The endpoints are as last judged: only the key set may have changed (a rotation needs nothing from us).
    const jwksDocument = { url: config.options.jwks_uri, etag: w.jwksEtag, lastModified: w.jwksLastModified };
    const jwks = await fetchWatched(fetch, jwksDocument, "json", "The key set (jwks_uri)");
    if ("unreachable" in jwks) return { ...keep, status: "unreachable", error: jwks.unreachable };
    if (jwks.notModified) return { ...keep, status: statusAfterNotModified(w), error: null };
    const judged = validateJwks(jwks.body, { now });
    const jwksValidators = { jwksEtag: jwks.etag ?? null, jwksLastModified: jwks.lastModified ?? null };
    if (judged.errors.length > 0) {
      return { ...keep, ...jwksValidators, status: "invalid", error: invalidReason(judged.errors, "") };
    }
    return {
      ...keep,
      ...jwksValidators,
      fingerprints: keyFingerprints(judged.facts.keys),
      status: statusAfterNotModified(w),
      error: null,
    };
  }
  // A new discovery document: judged whole, as when it was set up (discovery, then its key set).
  let jwksDoc: FetchedDocument | null = null;
  let unreachable: string | null = null;
  const once: DocumentFetcher = async (url, expect) => {
    if (url === w.url) return discovery;
    try {
      jwksDoc = await fetch(url, expect);
      return jwksDoc;
    } catch (err) {
      unreachable = unreachableReason(err, "The key set (jwks_uri)");
      throw err;
    }
  };
  const report = await judgeOidcProvider(w.url, { now, localMode, fetch: once, clientId: config.clientId });
  const validators = {
    etag: discovery.etag ?? null,
    lastModified: discovery.lastModified ?? null,
    jwksEtag: (jwksDoc as FetchedDocument | null)?.etag ?? null,
    jwksLastModified: (jwksDoc as FetchedDocument | null)?.lastModified ?? null,
  };
  if (unreachable) return { ...validators, fingerprints: w.fingerprints, status: "unreachable", error: unreachable };
  if (report.verdict === "error" || report.kind !== "oidc-discovery" || !report.options) {
    return {
      ...validators,
      fingerprints: w.fingerprints,
      status: "invalid",
      error: invalidReason(report.errors, "The document is not a usable OpenID Connect provider."),
    };
  }
  const keys = keyFingerprints(report.facts.jwks?.keys ?? []);
  const configuration = configurationFromReport(report, {
    idp: config.idp,
    source: config.source,
    mapping: config.mapping,
    oidc: { clientType: config.clientType, clientId: config.clientId, clientSecret: config.clientSecret },
  });
  if (configuration.protocol !== "oidc") throw new Error("an OIDC report made a SAML configuration");
  const changed = OIDC_FIELDS.filter(([key]) => (config.options[key] ?? null) !== (configuration.options[key] ?? null));
  if (changed.length === 0) return { ...validators, fingerprints: keys, status: "unchanged", error: null };
  const summary = changed
    .map(([key, label]) => `${label}: ${config.options[key] ?? "(none)"} → ${configuration.options[key] ?? "(none)"}`)
    .join("; ");
  const endpoints = `endpoints:${createHash("sha256")
    .update(JSON.stringify(changed.map(([key]) => [key, configuration.options[key] ?? null])))
    .digest("hex")
    .slice(0, 32)}`;
  const fingerprints = [endpoints, ...keys];
  // Raised already for these endpoints: nothing new to propose (a later key rotation is no news).
  if (w.status === "changed" && w.fingerprints.includes(endpoints)) {
    return { ...validators, fingerprints, status: "changed", error: null };
  }
  return {
    ...validators,
    fingerprints,
    status: "changed",
    error: null,
    propose: { report, configuration, rotation: false, summary },
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
        jwks_etag: found.jwksEtag,
        jwks_last_modified: found.jwksLastModified,
        metadata_checked_at: now,
        updated_at: now,
      };
      await trx
        .insertInto("organization_health")
        .values({ organization_id: w.org.id, ...values })
        .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
        .execute();
      let changeId: string | null = null;
      if (found.propose) {
        const result = await submitSystemChange(
          trx,
          { kind: "system", actor: METADATA_MONITOR, org: w.org },
          { configuration: found.propose.configuration, report: found.propose.report },
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

const OIDC_WORDS: Record<MetadataStatus, string> = {
  ...WORDS,
  changed: "names a changed issuer or endpoint",
  invalid: "no longer describes a valid OpenID Connect provider (discovery document or key set)",
};

function wordsFor(w: Watched, status: MetadataStatus): string {
  return (w.desired.configuration.protocol === "oidc" ? OIDC_WORDS : WORDS)[status];
}

async function metadataMails(
  db: Kysely<Database>,
  w: Watched,
  found: Finding,
  changeId: string | null,
  now: Date,
): Promise<QueuedMail[]> {
  const base = getPublicUrl();
  const oidc = w.desired.configuration.protocol === "oidc";
  const document = oidc ? "OpenID Connect discovery document" : "metadata";
  const subject = `${w.org.name}'s identity provider ${document} ${wordsFor(w, found.status)}`;
  const lines: [string, string | undefined][] = [
    [oidc ? "Discovery URL" : "Metadata URL", w.url],
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
  const admins = await organizationAdmins(db, w.org.id);
  const forAdmins = renderMail(
    {
      subject,
      lead: `The ${oidc ? "discovery" : "metadata"} URL your single sign-on was set up from ${wordsFor(w, found.status)}.`,
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
      toUserId: a.userId,
      organizationId: w.org.id,
      kind: "metadata.changed",
      link: orgLink,
    });
  const supportLink = changeId ? `${base}/support/changes/${changeId}` : `${base}/support/orgs/${w.org.slug}`;
  const forSupport = renderMail(
    {
      subject: `[Support] ${subject}`,
      lead: `${w.org.name}'s identity provider ${document} ${wordsFor(w, found.status)}.`,
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
