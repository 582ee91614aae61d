import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { AuditEvents } from "~/components/audit-log";
import { DataTable } from "~/components/data-table";
import { MembersTable } from "~/components/members-table";
import { SchemaForm, SelectField, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { NewSetupLink, PendingSetupLinks, pendingSetupLink, SetupLinkForm } from "~/components/setup-links";
import { Time } from "~/components/time";
import { verifyByHandSchema } from "~/forms/domains";
import { acceptDriftSchema, reapplyDriftSchema } from "~/forms/drift";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import {
  removeOrganizationSchema,
  renameOrganizationSchema,
  suspendOrganizationSchema,
  resumeOrganizationSchema,
} from "~/forms/organization-lifecycle";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { setupLinkSchema } from "~/forms/setup-links";
import { revokeSetupLinkAction, setupLinkCreated } from "~/forms/setup-links.server";
import { listJobs } from "~/services/apply/jobs.server";
import { readAuditLog } from "~/services/audit/audit-log.server";
import { acceptAuth0Version, reapplyOurVersion } from "~/services/monitoring/drift.server";
import { listVersions } from "~/services/change-requests/queries.server";
import { versionItems, VersionsTable } from "~/components/versions-table";
import { organizationMonitoring } from "~/services/monitoring/health.server";
import { healthView } from "~/services/monitoring/health-view";
import { requireSupport } from "~/services/identity/guards.server";
import {
  createSupportInvitation,
  listPendingInvitationsOf,
  revokeInvitation,
} from "~/services/identity/invitations.server";
import { supportRoleCan } from "~/services/identity/permissions";
import type { SupportScope } from "~/services/identity/scope.server";
import { listDomains, verifyDomainByHand } from "~/services/organizations/domains.server";
import {
  actingFor,
  findOrganization,
  listOrganizationMembers,
  removeOrganization,
  renameOrganization,
  suspendOrganization,
  resumeOrganization,
} from "~/services/organizations/organizations.server";
import { getDb } from "~/services/platform/db.server";

/**
 * /support/orgs/<slug> — one organization as the vendor's support sees it: its state, members,
 * pending setup links (a support lead issues or revokes the first administrator's), domains
 * (verified by hand with a reason) and its recent work in Auth0; a support lead renames,
 * suspends or removes it there, each change reaching Auth0 through the apply engine. Its health
 * (live certificate expiry, drift field by field with "Re-apply our version" and "Accept Auth0's
 * version as a new version" for support leads, the metadata URL's last check) and its history
 * (the audit log's newest events for it) are here too.
 */

async function organizationOf(scope: SupportScope, slug: string | undefined) {
  const org = await findOrganization(scope, slug ?? "");
  if (!org) throw new Response("There is no such organization.", { status: 404 });
  return org;
}

const STATUS_LABEL = {
  active: { text: "Active", tone: "ok" },
  suspended: { text: "Suspended", tone: "warn" },
  removing: { text: "Being removed", tone: "warn" },
  removed: { text: "Removed", tone: "error" },
} as const;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const org = await organizationOf(scope, params.slug);
  const acting = actingFor(scope, org);
  const [members, links, domains, jobs, monitoring, history, versions] = await Promise.all([
    listOrganizationMembers(scope, org),
    listPendingInvitationsOf(scope, org.id),
    listDomains(acting),
    listJobs(await getDb(), acting, 10),
    organizationMonitoring(scope, org.id),
    readAuditLog(scope, { org: org.slug }, { limit: 20 }),
    listVersions(acting),
  ]);
  return {
    title: org.name,
    org: { slug: org.slug, name: org.name, status: org.status, auth0OrgId: org.auth0OrgId },
    can: {
      manage: supportRoleCan(scope.role, "support:orgs:manage"),
      invite: supportRoleCan(scope.role, "support:invitations:manage"),
      verify: supportRoleCan(scope.role, "support:domains:verify"),
      resolveDrift: supportRoleCan(scope.role, "support:drift:resolve"),
    },
    health: monitoring ? healthView(monitoring, new Date()) : null,
    history: history.rows,
    versions: versionItems(versions),
    moreHistory: Boolean(history.next),
    members: members.map((m) => ({ ...m, since: m.since.toISOString() })),
    links: links.map(pendingSetupLink),
    domains: domains.map((d) => ({
      id: d.id,
      domain: d.domain,
      verified: d.verified,
      method: d.method,
      reason: d.manualReason,
      failingSince: d.failingSince?.toISOString() ?? null,
      lostAt: d.lostAt?.toISOString() ?? null,
      lostReason: d.lostReason,
    })),
    jobs: jobs.map((j) => ({
      id: String(j.id),
      kind: j.kind,
      status: j.status,
      requestedBy: j.requested_by,
      createdAt: new Date(j.created_at).toISOString(),
      error: j.last_error,
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const org = await organizationOf(scope, params.slug);
  const submission = await readSubmission(request);
  const back = samePage(request);
  switch (submission.intent) {
    case "invite": {
      const parsed = parseSubmission(submission, setupLinkSchema);
      if (!parsed.ok) return parsed.reply;
      if (org.status !== "active") return refuse(submission, `${org.name} is ${org.status}: no new setup links.`);
      const created = await createSupportInvitation(scope, org.slug, parsed.value);
      if (!created) throw new Response("There is no such organization.", { status: 404 });
      return setupLinkCreated(request, created, org.name);
    }
    case "revoke-invite":
      return revokeSetupLinkAction(request, submission, (id) => revokeInvitation(scope, id));
    case "verify-domain": {
      const parsed = parseSubmission(submission, verifyByHandSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await verifyDomainByHand(scope, org.id, parsed.value.domainId, parsed.value.reason);
      if (!result) throw new Response("No such domain in this organization.", { status: 404 });
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(back, { tone: "ok", message: `${result.domain.domain} is verified (by hand).` });
    }
    case "reapply-drift":
    case "accept-drift": {
      // Either way out of a drift: the portal's version back in Auth0, or Auth0's as the next version.
      const reapply = submission.intent === "reapply-drift";
      const parsed = parseSubmission(submission, reapply ? reapplyDriftSchema : acceptDriftSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await (reapply ? reapplyOurVersion : acceptAuth0Version)(scope, org.slug);
      if (!result.ok) return refuse(submission, result.error);
      const versions = result.versions.join(", ");
      return redirectWithFlash(back, {
        tone: "ok",
        message: reapply
          ? `The portal's version ${versions} is being written to Auth0 again.`
          : `Auth0's settings become version ${versions}.`,
      });
    }
    case "rename": {
      const parsed = parseSubmission(submission, renameOrganizationSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await renameOrganization(scope, org, parsed.value.name);
      if (!result.ok) return refuse(submission, result.error, { name: result.error });
      return redirectWithFlash(back, { tone: "ok", message: `Renamed to ${parsed.value.name}.` });
    }
    case "suspend":
    case "resume": {
      const suspend = submission.intent === "suspend";
      const parsed = parseSubmission(submission, suspend ? suspendOrganizationSchema : resumeOrganizationSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await (suspend ? suspendOrganization : resumeOrganization)(scope, org);
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(back, {
        tone: "ok",
        message: suspend
          ? `${org.name} is suspended: its members were signed out; its connections are being disabled in Auth0.`
          : `${org.name} is active again: its members may sign in; its live connections are being enabled in Auth0.`,
      });
    }
    case "remove": {
      const parsed = parseSubmission(submission, removeOrganizationSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await removeOrganization(scope, org, parsed.value);
      if (!result.ok) return refuse(submission, result.error, { confirmation: result.error });
      return redirectWithFlash(back, { tone: "ok", message: `${org.name} is being removed from Auth0.` });
    }
    default:
      return unknownIntent(submission);
  }
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

function VerifyByHand({ domain }: { domain: Data["domains"][number] }) {
  const form = useSchemaForm(verifyByHandSchema, { intent: "verify-domain", hidden: { domainId: domain.id } });
  return (
    <SchemaForm form={form} className="inline-form" aria-label={`Verify ${domain.domain} by hand`}>
      <TextField
        name="reason"
        label={`Why ${domain.domain} is theirs`}
        hint="Goes into the audit log, e.g. a ticket."
      />
      <SubmitButton className="secondary">Verify by hand</SubmitButton>
    </SchemaForm>
  );
}

const DRIFT_LABEL = {
  in_sync: { text: "In sync with Auth0", tone: "ok" },
  drifted: { text: "Changed in Auth0", tone: "error" },
  missing: { text: "Missing in Auth0", tone: "error" },
  error: { text: "Could not be read", tone: "warn" },
} as const;

function Health({ health, canResolve }: { health: Data["health"]; canResolve: boolean }) {
  const reapply = useSchemaForm(reapplyDriftSchema, { intent: "reapply-drift" });
  const accept = useSchemaForm(acceptDriftSchema, { intent: "accept-drift" });
  if (!health) {
    return (
      <section className="card" aria-labelledby="health-title" id="drift">
        <h3 id="health-title">Health</h3>
        <p className="empty-state">Not checked yet: the monitoring jobs have found nothing applied for it.</p>
      </section>
    );
  }
  const drift = health.driftStatus ? DRIFT_LABEL[health.driftStatus] : null;
  const drifted = health.driftStatus === "drifted" || health.driftStatus === "missing";
  return (
    <section className="card stack" aria-labelledby="health-title" id="drift">
      <h3 id="health-title">Health</h3>
      <dl className="facts">
        <dt>Live signing certificate</dt>
        <dd>
          {health.certNotAfter ? (
            <>
              <span className={`badge ${health.certTone ?? ""}`}>
                {health.certExpired ? "Expired" : "Expires"} <Time value={health.certNotAfter} />
              </span>
              {health.certVersion ? <span className="hint"> · version {health.certVersion}</span> : null}
            </>
          ) : (
            "—"
          )}
        </dd>
        <dt>Connections in Auth0</dt>
        <dd>
          {drift ? <span className={`badge ${drift.tone}`}>{drift.text}</span> : "Not checked"}
          {health.driftCheckedAt ? (
            <span className="hint">
              {" "}
              · checked <Time value={health.driftCheckedAt} />
            </span>
          ) : null}
          {health.driftError ? <span className="hint"> — {health.driftError}</span> : null}
        </dd>
        <dt>Metadata URL</dt>
        <dd>
          {health.metadataUrl ? <span className="mono">{health.metadataUrl}</span> : "—"}
          {health.metadataStatus ? <span className="hint"> · {health.metadataStatus}</span> : null}
          {health.metadataCheckedAt ? (
            <span className="hint">
              {" "}
              · checked <Time value={health.metadataCheckedAt} />
            </span>
          ) : null}
          {health.metadataError ? <p className="hint">{health.metadataError}</p> : null}
        </dd>
      </dl>
      {health.driftFields.length > 0 ? (
        <DataTable
          rows={health.driftFields}
          rowKey={(f) => `${f.connection ?? ""}:${f.field}`}
          caption="What differs between the portal and Auth0"
          columns={[
            { header: "Connection", className: "mono", cell: (f) => f.connection ?? "—" },
            { header: "Field", className: "mono", cell: (f) => f.field },
            { header: "The portal's version", cell: (f) => <code>{JSON.stringify(f.ours)}</code> },
            { header: "Auth0 now", cell: (f) => <code>{JSON.stringify(f.auth0)}</code> },
          ]}
        />
      ) : null}
      {drifted && canResolve ? (
        <div className="inline-form">
          <SchemaForm form={reapply} aria-label="Re-apply our version">
            <SubmitButton>Re-apply our version</SubmitButton>
          </SchemaForm>
          <SchemaForm form={accept} aria-label="Accept Auth0's version">
            <SubmitButton className="secondary">Accept Auth0&apos;s version as a new version</SubmitButton>
          </SchemaForm>
        </div>
      ) : drifted ? (
        <p className="hint">A support lead can re-apply the portal&apos;s version or accept Auth0&apos;s.</p>
      ) : null}
    </section>
  );
}

function Lifecycle({ org }: { org: Data["org"] }) {
  const rename = useSchemaForm(renameOrganizationSchema, { intent: "rename", defaultValues: { name: org.name } });
  const suspend = useSchemaForm(suspendOrganizationSchema, { intent: "suspend" });
  const resume = useSchemaForm(resumeOrganizationSchema, { intent: "resume" });
  const remove = useSchemaForm(removeOrganizationSchema, {
    intent: "remove",
    defaultValues: { connections: "delete", auth0Organization: org.auth0OrgId ? "delete" : "detach", confirmation: "" },
  });
  const open = org.status === "active" || org.status === "suspended";
  return (
    <section className="card stack" aria-labelledby="lifecycle-title">
      <h3 id="lifecycle-title">Change this organization</h3>
      {open ? (
        <>
          <SchemaForm form={rename} className="inline-form" aria-label="Rename">
            <TextField name="name" label="Name" />
            <SubmitButton className="secondary">Rename</SubmitButton>
          </SchemaForm>
          {org.status === "active" ? (
            <SchemaForm form={suspend} aria-label="Suspend">
              <p>Suspending signs its members out and disables its connections in Auth0. Everything is kept.</p>
              <SubmitButton className="danger">Suspend {org.name}</SubmitButton>
            </SchemaForm>
          ) : (
            <SchemaForm form={resume} aria-label="Resume">
              <p>
                Resuming lets its members sign in again and enables its live connections in Auth0 as they were (one
                support disabled stays disabled).
              </p>
              <SubmitButton>Resume {org.name}</SubmitButton>
            </SchemaForm>
          )}
          <SchemaForm form={remove} aria-label="Remove" className="stack">
            <p>
              Removing takes {org.name} out of Auth0 as chosen below and closes its pages. Its history stays in the
              portal.
            </p>
            <SelectField
              name="connections"
              label="Its connections"
              options={[
                { value: "delete", label: "Delete them in Auth0" },
                { value: "detach", label: "Leave them in Auth0, disabled" },
              ]}
            />
            <SelectField
              name="auth0Organization"
              label="Its Auth0 organization"
              options={[
                { value: "delete", label: "Delete it in Auth0" },
                { value: "detach", label: "Leave it in Auth0, no longer managed here" },
              ]}
            />
            <TextField name="confirmation" label={`Type ${org.slug} to confirm`} />
            <SubmitButton className="danger">Remove {org.name}</SubmitButton>
          </SchemaForm>
        </>
      ) : (
        <p className="empty-state">{org.name} is removed; its history stays here.</p>
      )}
    </section>
  );
}

export default function SupportOrganization() {
  const { org, can, members, links, domains, jobs, health, history, moreHistory, versions } =
    useLoaderData<typeof loader>();
  const status = STATUS_LABEL[org.status];
  return (
    <section className="stack" aria-labelledby="org-title">
      <h2 id="org-title">
        {org.name} <span className={`badge ${status.tone}`}>{status.text}</span>
      </h2>
      <p>
        Slug <span className="mono">{org.slug}</span> · Auth0 organization{" "}
        <span className="mono">{org.auth0OrgId ?? "none"}</span>
      </p>
      <NewSetupLink />

      <Health health={health} canResolve={can.resolveDrift} />

      <section className="card" aria-labelledby="members-title">
        <h3 id="members-title">Members</h3>
        <MembersTable members={members} empty="Nobody yet. Issue the first administrator's setup link below." />
      </section>

      <section className="card" aria-labelledby="links-title">
        <h3 id="links-title">Setup links</h3>
        {can.invite && org.status === "active" ? <SetupLinkForm defaultRole="org_admin" /> : null}
        <PendingSetupLinks links={links} canRevoke={can.invite} />
      </section>

      <section className="card" aria-labelledby="domains-title">
        <h3 id="domains-title">Domains</h3>
        {domains.length === 0 ? (
          <p className="empty-state">The organization has added no domain.</p>
        ) : (
          <ul className="stack plain-list">
            {domains.map((d) => (
              <li key={d.id}>
                <span className="mono">{d.domain}</span>{" "}
                <span
                  className={`badge ${d.verified ? (d.failingSince ? "warn" : "ok") : d.lostAt ? "error" : "warn"}`}
                >
                  {d.verified
                    ? d.method === "manual"
                      ? "Verified by hand"
                      : d.failingSince
                        ? "Verified by DNS, record missing"
                        : "Verified by DNS"
                    : d.lostAt
                      ? "Verification lost"
                      : "Not verified"}
                </span>
                {d.reason ? <span className="hint"> — {d.reason}</span> : null}
                {d.verified && d.failingSince ? (
                  <span className="hint">
                    {" "}
                    — its record has not been found since <Time value={d.failingSince} />
                  </span>
                ) : null}
                {!d.verified && d.lostAt ? (
                  <span className="hint">
                    {" "}
                    — lost on <Time value={d.lostAt} />: {d.lostReason}
                  </span>
                ) : null}
                {!d.verified && can.verify ? <VerifyByHand domain={d} /> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="card" aria-labelledby="jobs-title">
        <h3 id="jobs-title">Recent work in Auth0</h3>
        <DataTable
          rows={jobs}
          empty="Nothing sent to Auth0 yet."
          columns={[
            { header: "What", cell: (j) => j.kind },
            {
              header: "State",
              cell: (j) => (
                <>
                  {j.status}
                  {j.error ? <span className="hint"> — {j.error}</span> : null}
                </>
              ),
            },
            { header: "Asked by", cell: (j) => j.requestedBy },
            { header: "When", cell: (j) => <Time value={j.createdAt} /> },
          ]}
        />
      </section>

      <section className="card" aria-labelledby="versions-title">
        <h3 id="versions-title">Applied versions</h3>
        <VersionsTable versions={versions} empty="Nothing has been applied yet." />
      </section>

      <section className="card" aria-labelledby="history-title">
        <h3 id="history-title">History</h3>
        <AuditEvents rows={history} filtered={false} />
        {moreHistory ? (
          <p>
            <Link to={`/support/audit?org=${encodeURIComponent(org.slug)}`}>Older events in the audit log</Link>
          </p>
        ) : null}
      </section>

      {can.manage ? <Lifecycle org={org} /> : null}
    </section>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.org.name ?? "Organization"} · Support console · SSO Portal` },
];
