import { sql, type Kysely } from "kysely";
import { desiredApplySchema } from "../apply/jobs.server";
import type { ScopedOrganization } from "../identity/scope.server";
import type { Database } from "../platform/db/schema";
import { describeCertificate } from "~/validators/certificates";
import type { CertificateFacts } from "~/validators/report";
import type { z } from "zod";

/**
 * What the portal last wrote to each organization's live connection: the newest succeeded job
 * that wrote it — an apply to the live stage, a go-live or a roll back (ADR 009: changes reach the
 * staged `-test` connection first, and only those two write the live one) — per organization and
 * protocol (a newer succeeded removal means there is none). The monitoring jobs compare Auth0 with
 * it and read its signing certificate.
 */
export interface AppliedConnection {
  org: ScopedOrganization;
  jobId: string;
  version: number;
  protocol: "saml" | "oidc";
  desired: z.output<typeof desiredApplySchema>;
  appliedAt: Date;
}

interface Row {
  id: string;
  kind: string;
  version: number;
  desired: unknown;
  finished_at: Date | string | null;
  organization_id: string;
  slug: string;
  name: string;
  auth0_org_id: string | null;
}

const PROTOCOL = sql`coalesce(j.desired->'connection'->>'protocol', j.desired->>'protocol')`;

/** Applied connections, in organization order, from `afterOrgId` on (keyset paging), at most `limit` organizations. */
export async function lastAppliedConnections(
  db: Kysely<Database>,
  options: { orgIds?: string[]; limit?: number } = {},
): Promise<AppliedConnection[]> {
  if (options.orgIds?.length === 0) return [];
  const rows = await sql<Row>`
    select * from (
      select distinct on (j.organization_id, ${PROTOCOL})
             j.id::text as id, j.kind, j.version, j.desired, j.finished_at, j.organization_id,
             o.slug, o.name, o.auth0_org_id
        from apply_jobs j
        join organizations o on o.id = j.organization_id
       where j.status = 'succeeded' and j.kind in ('apply', 'go-live', 'roll-back', 'remove')
         and coalesce(j.desired->'connection'->>'stage', 'live') = 'live'
         ${options.orgIds ? sql`and j.organization_id in (${sql.join(options.orgIds)})` : sql``}
       order by j.organization_id, ${PROTOCOL}, j.id desc
    ) latest
    where kind <> 'remove'
  `.execute(db);
  const out: AppliedConnection[] = [];
  for (const r of rows.rows) {
    const parsed = desiredApplySchema.safeParse(typeof r.desired === "string" ? JSON.parse(r.desired) : r.desired);
    if (!parsed.success) continue;
    out.push({
      org: { id: r.organization_id, slug: r.slug, name: r.name, auth0OrgId: r.auth0_org_id },
      jobId: r.id,
      version: r.version,
      protocol: parsed.data.connection.protocol,
      desired: parsed.data,
      appliedAt: new Date(r.finished_at ?? 0),
    });
  }
  return out;
}

/**
 * The signing certificate of an applied SAML connection. Auth0's `signingCert` is the base64 of a
 * PEM file; a bare base64 DER certificate is read too.
 */
export function appliedSigningCertificate(applied: AppliedConnection, now: Date): CertificateFacts | null {
  const value = applied.desired.connection.options.signingCert;
  if (typeof value !== "string" || value === "") return null;
  const decoded = Buffer.from(value, "base64").toString("latin1");
  const text = decoded.includes("-----BEGIN CERTIFICATE-----") ? decoded : value;
  const result = describeCertificate(text, "signing", now);
  return result.ok ? result.facts : null;
}
