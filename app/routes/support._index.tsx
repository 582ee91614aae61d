import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AuditTable } from "~/components/audit-table";
import { SchemaForm, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { NewSetupLink, RevokeSetupLink, SupportSetupLinkForm } from "~/components/setup-links";
import { Time } from "~/components/time";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { createOrganizationSchema } from "~/forms/organizations";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { revokeSetupLinkSchema, supportSetupLinkSchema } from "~/forms/setup-links";
import { listAllAudit } from "~/services/audit/audit-log.server";
import { requireSupport } from "~/services/identity/guards.server";
import { ORG_ROLE_LABEL, SUPPORT_ROLE_LABEL, supportRoleCan } from "~/services/identity/permissions";
import {
  createSupportInvitation,
  listInvitationsIssuedBy,
  revokeInvitation,
} from "~/services/identity/invitations.server";
import { createOrganization, listOrganizations } from "~/services/identity/organizations.server";

/**
 * /support — the vendor console's home: every organization, the setup links this person issued
 * and their state, and the audit log. Only a support lead may create organizations and links.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const [orgs, links, audit] = await Promise.all([
    listOrganizations(scope),
    listInvitationsIssuedBy(scope),
    listAllAudit(scope, 100),
  ]);
  return {
    role: scope.role,
    can: {
      manageInvitations: supportRoleCan(scope.role, "support:invitations:manage"),
      createOrgs: supportRoleCan(scope.role, "support:orgs:create"),
    },
    orgs: orgs.map((o) => ({
      slug: o.slug,
      name: o.name,
      auth0OrgId: o.auth0OrgId,
      members: o.members,
      admins: o.admins,
    })),
    links: links.map((l) => ({
      id: l.id,
      org: l.orgName,
      role: l.role,
      state: l.state,
      uses: l.uses,
      maxUses: l.maxUses,
      createdAt: l.createdAt.toISOString(),
      expiresAt: l.expiresAt.toISOString(),
    })),
    audit: audit.map((a) => ({ ...a, at: a.at.toISOString() })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  // Every change here is a support lead's.
  const scope = await requireSupport(request, "support_admin");
  const submission = await readSubmission(request);
  const back = samePage(request);
  switch (submission.intent) {
    case "invite": {
      const parsed = parseSubmission(submission, supportSetupLinkSchema);
      if (!parsed.ok) return parsed.reply;
      const created = await createSupportInvitation(scope, parsed.value.orgSlug, parsed.value);
      if (!created)
        return refuse(submission, "That organization does not exist.", {
          orgSlug: "Choose an organization from the list.",
        });
      return redirectWithFlash(back, {
        tone: "ok",
        message: "Setup link created. Copy it now: it is shown only once.",
        setupLink: {
          url: created.url,
          org: parsed.value.orgSlug,
          role: ORG_ROLE_LABEL[created.invitation.role],
          expiresAt: new Date(created.invitation.expires_at).toISOString(),
          maxUses: created.invitation.max_uses,
        },
      });
    }
    case "revoke-invite": {
      const parsed = parseSubmission(submission, revokeSetupLinkSchema);
      if (!parsed.ok || !(await revokeInvitation(scope, parsed.value.invitationId)))
        throw new Response("No such setup link, or it was already revoked.", { status: 404 });
      return redirectWithFlash(back, { tone: "ok", message: "The setup link was revoked." });
    }
    case "create-org": {
      const parsed = parseSubmission(submission, createOrganizationSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await createOrganization(scope, parsed.value);
      if (!result.ok) return refuse(submission, result.error, { [result.field]: result.error });
      return redirectWithFlash(back, {
        tone: "ok",
        message: `Organization ${result.slug} created. Now issue its first administrator's setup link.`,
      });
    }
    default:
      return unknownIntent(submission);
  }
}

/** A support lead adds an organization. */
function CreateOrganizationForm() {
  const form = useSchemaForm(createOrganizationSchema, { intent: "create-org" });
  return (
    <SchemaForm form={form} className="inline-form">
      <TextField name="name" label="Name" />
      <TextField name="slug" label="Slug" hint="Lowercase letters, digits and hyphens, e.g. acme-corp." />
      <TextField
        name="auth0OrgId"
        label="Auth0 organization id (optional)"
        className="mono"
        hint="Only when your tenant uses Auth0 Organizations, e.g. org_abc123."
      />
      <SubmitButton>Add organization</SubmitButton>
    </SchemaForm>
  );
}

const STATE_LABEL: Record<string, { text: string; tone: string }> = {
  valid: { text: "Pending", tone: "ok" },
  used: { text: "Used", tone: "" },
  expired: { text: "Expired", tone: "warn" },
  revoked: { text: "Revoked", tone: "error" },
};

export default function SupportHome() {
  const { role, can, orgs, links, audit } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>Support console</h1>
      <p className="lead">Signed in as {SUPPORT_ROLE_LABEL[role]}.</p>
      <NewSetupLink />

      <section className="card" aria-labelledby="orgs-title">
        <h2 id="orgs-title">Organizations</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Slug</th>
              <th scope="col">Auth0 organization</th>
              <th scope="col">Members</th>
              <th scope="col">Administrators</th>
            </tr>
          </thead>
          <tbody>
            {orgs.map((o) => (
              <tr key={o.slug}>
                <td>{o.name}</td>
                <td className="mono">{o.slug}</td>
                <td className="mono">{o.auth0OrgId ?? "—"}</td>
                <td>{o.members}</td>
                <td>{o.admins}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {can.createOrgs ? <CreateOrganizationForm /> : null}
      </section>

      <section className="card" aria-labelledby="links-title">
        <h2 id="links-title">Setup links you issued</h2>
        {can.manageInvitations ? (
          <SupportSetupLinkForm orgs={orgs} />
        ) : (
          <p className="hint">Only a support lead can issue setup links.</p>
        )}
        {links.length === 0 ? (
          <p className="empty-state">You have not issued any setup links.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Uses</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                {can.manageInvitations ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {links.map((l) => (
                <tr key={l.id}>
                  <td>{l.org}</td>
                  <td>{ORG_ROLE_LABEL[l.role]}</td>
                  <td>
                    <span className={`badge ${STATE_LABEL[l.state]?.tone ?? ""}`}>
                      {STATE_LABEL[l.state]?.text ?? l.state}
                    </span>
                  </td>
                  <td>
                    {l.uses} of {l.maxUses}
                  </td>
                  <td>
                    <Time value={l.createdAt} />
                  </td>
                  <td>
                    <Time value={l.expiresAt} />
                  </td>
                  {can.manageInvitations ? <td>{l.state === "valid" ? <RevokeSetupLink id={l.id} /> : null}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit log</h2>
        <AuditTable rows={audit} showOrg />
      </section>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: "Support console · SSO Portal" }];
