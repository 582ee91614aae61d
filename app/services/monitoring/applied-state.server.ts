import { sql, type Kysely, type Transaction } from "kysely";
// From the kind itself, not jobs.server: the registry's kinds read this module (no import cycle).
import { desiredApplySchema } from "../apply/kinds/connection-apply.server";
import type { ScopedOrganization } from "../identity/scope.server";
import type { Database } from "../platform/db/schema";
import { describeCertificate } from "~/validators/certificates";
import type { CertificateFacts } from "~/validators/report";
import type { z } from "zod";

/**
 * What the portal last wrote to each of an organization's connections (ADR 009): per protocol and
 * stage, the newest succeeded job that wrote it — `apply` for the staged `-test` connection (and
 * the live one before staging existed), `go-live` and `roll-back` for the live one — unless a newer
 * succeeded `remove` took it away. A live connection a support lead disabled is marked so: it must
 * then be enabled for no production application and not for the Auth0 organization. The monitoring
 * jobs compare Auth0 with it (both stages) and read the live signing certificate.
 */
export type ConnectionStage = "live" | "test";

export interface AppliedConnection {
  org: ScopedOrganization;
  jobId: string;
  version: number;
  protocol: "saml" | "oidc";
  stage: ConnectionStage;
  desired: z.output<typeof desiredApplySchema>;
  appliedAt: Date;
  /** The live connection was disabled by support (the last disable / enable event is a disable). */
  disabled: boolean;
}

interface Row {
  id: string;
  kind: string;
  version: number;
  stage: ConnectionStage;
  desired: unknown;
  finished_at: Date | string | null;
  organization_id: string;
  slug: string;
  name: string;
  auth0_org_id: string | null;
  disabled: boolean | null;
}

const PROTOCOL = sql`coalesce(j.desired->'connection'->>'protocol', j.desired->>'protocol')`;
const STAGE = sql`coalesce(j.desired->'connection'->>'stage', j.desired->>'stage', 'live')`;

/** Applied connections of the given organizations (all when omitted), of one stage or both. */
export async function lastAppliedConnections(
  db: Kysely<Database> | Transaction<Database>,
  options: { orgIds?: string[]; stage?: ConnectionStage } = {},
): Promise<AppliedConnection[]> {
  if (options.orgIds?.length === 0) return [];
  const rows = await sql<Row>`
    select latest.*,
           (select e.action = 'disable' from live_events e
             where e.organization_id = latest.organization_id and e.protocol = latest.protocol
               and e.action in ('disable', 'enable')
             order by e.id desc limit 1) as disabled
      from (
      select distinct on (j.organization_id, ${PROTOCOL}, ${STAGE})
             j.id::text as id, j.kind, j.version, j.desired, j.finished_at, j.organization_id,
             ${PROTOCOL} as protocol, ${STAGE} as stage, o.slug, o.name, o.auth0_org_id
        from apply_jobs j
        join organizations o on o.id = j.organization_id
       where j.status = 'succeeded' and j.kind in ('apply', 'go-live', 'roll-back', 'remove', 'repository-apply', 'repository-go-live', 'repository-roll-back')
         ${options.stage ? sql`and ${STAGE} = ${options.stage}` : sql``}
         ${options.orgIds ? sql`and j.organization_id in (${sql.join(options.orgIds)})` : sql``}
       order by j.organization_id, ${PROTOCOL}, ${STAGE}, j.id desc
    ) latest
    where kind <> 'remove'
    order by organization_id, stage, protocol
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
      stage: parsed.data.connection.stage,
      desired: parsed.data,
      appliedAt: new Date(r.finished_at ?? 0),
      disabled: r.stage === "live" && r.disabled === true,
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
