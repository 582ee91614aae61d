import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { AuditTable } from "~/components/audit-table";
import { ActionNotice, describedBy, FieldError, fieldErrors } from "~/components/form-errors";
import { NewSetupLink, RevokeSetupLink, SetupLinkFields } from "~/components/setup-links";
import { Time } from "~/components/time";
import { listAllAudit } from "~/services/audit/audit-log.server";
import { requireSupport } from "~/services/identity/guards.server";
import { ORG_ROLE_LABEL, SUPPORT_ROLE_LABEL, supportRoleCan } from "~/services/identity/permissions";
import {
  createSupportInvitation,
  listInvitationsIssuedBy,
  revokeInvitation,
  revokeSetupLinkSchema,
  setupLinkFormFields,
} from "~/services/identity/invitations.server";
import { createOrganization, listOrganizations } from "~/services/identity/organizations.server";

/**
 * /support — the vendor console's home: every organization, the setup links this person issued
 * and their state, and the audit log. Only a support lead may create organizations and links.
 */

const inviteSchema = z.object({
  intent: z.literal("invite"),
  orgSlug: z.string().min(1, "Choose an organization."),
  ...setupLinkFormFields,
});
const orgSchema = z.object({
  intent: z.literal("create-org"),
  slug: z.string(),
  name: z.string(),
  auth0OrgId: z.string().optional(),
});

type ActionResult =
  | { ok: true; message: string; link?: { url: string; org: string; role: string; expiresAt: string; maxUses: number } }
  | { ok: false; message: string; fieldErrors?: Record<string, string> };

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
  const form = Object.fromEntries(await request.formData());
  switch (form.intent) {
    case "invite": {
      const parsed = inviteSchema.safeParse(form);
      if (!parsed.success)
        return data<ActionResult>(
          { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrors(parsed.error) },
          { status: 400 },
        );
      const created = await createSupportInvitation(scope, parsed.data.orgSlug, parsed.data);
      if (!created)
        return data<ActionResult>(
          {
            ok: false,
            message: "That organization does not exist.",
            fieldErrors: { orgSlug: "Choose an organization from the list." },
          },
          { status: 400 },
        );
      return data<ActionResult>({
        ok: true,
        message: "Setup link created. Copy it now: it is shown only once.",
        link: {
          url: created.url,
          org: parsed.data.orgSlug,
          role: ORG_ROLE_LABEL[created.invitation.role],
          expiresAt: new Date(created.invitation.expires_at).toISOString(),
          maxUses: created.invitation.max_uses,
        },
      });
    }
    case "revoke-invite": {
      const parsed = revokeSetupLinkSchema.safeParse(form);
      if (!parsed.success || !(await revokeInvitation(scope, parsed.data.invitationId)))
        throw new Response("No such setup link, or it was already revoked.", { status: 404 });
      return data<ActionResult>({ ok: true, message: "The setup link was revoked." });
    }
    case "create-org": {
      const parsed = orgSchema.safeParse(form);
      if (!parsed.success)
        return data<ActionResult>({ ok: false, message: "Give a slug and a name." }, { status: 400 });
      const result = await createOrganization(scope, parsed.data);
      if (!result.ok)
        return data<ActionResult>(
          { ok: false, message: result.error, fieldErrors: { [result.field]: result.error } },
          { status: 400 },
        );
      return data<ActionResult>({
        ok: true,
        message: `Organization ${result.slug} created. Now issue its first administrator's setup link.`,
      });
    }
    default:
      return data<ActionResult>({ ok: false, message: "Unknown action." }, { status: 400 });
  }
}

const STATE_LABEL: Record<string, { text: string; tone: string }> = {
  valid: { text: "Pending", tone: "ok" },
  used: { text: "Used", tone: "" },
  expired: { text: "Expired", tone: "warn" },
  revoked: { text: "Revoked", tone: "error" },
};

export default function SupportHome() {
  const { role, can, orgs, links, audit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errors = result && !result.ok ? (result.fieldErrors ?? {}) : {};
  return (
    <div className="stack">
      <h1>Support console</h1>
      <p className="lead">Signed in as {SUPPORT_ROLE_LABEL[role]}.</p>
      <div aria-live="polite">
        <ActionNotice result={result} />
        {result?.ok && result.link ? <NewSetupLink link={result.link} org={result.link.org} /> : null}
      </div>

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
        {can.createOrgs ? (
          <Form method="post" className="inline-form" noValidate>
            <input type="hidden" name="intent" value="create-org" />
            <div className="field">
              <label htmlFor="org-name">Name</label>
              <input id="org-name" name="name" required {...describedBy(errors.name, "org-name-error")} />
              <FieldError id="org-name-error" message={errors.name} />
            </div>
            <div className="field">
              <label htmlFor="org-slug">Slug</label>
              <input
                id="org-slug"
                name="slug"
                required
                pattern="[a-z0-9](-?[a-z0-9])*"
                {...describedBy(errors.slug, "org-slug-error", "org-slug-hint")}
              />
              <p id="org-slug-hint" className="hint">
                Lowercase letters, digits and hyphens, e.g. acme-corp.
              </p>
              <FieldError id="org-slug-error" message={errors.slug} />
            </div>
            <div className="field">
              <label htmlFor="org-auth0">Auth0 organization id (optional)</label>
              <input
                id="org-auth0"
                name="auth0OrgId"
                className="mono"
                {...describedBy(errors.auth0OrgId, "org-auth0-error", "org-auth0-hint")}
              />
              <p id="org-auth0-hint" className="hint">
                Only when your tenant uses Auth0 Organizations, e.g. org_abc123.
              </p>
              <FieldError id="org-auth0-error" message={errors.auth0OrgId} />
            </div>
            <button type="submit" disabled={busy}>
              Add organization
            </button>
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="links-title">
        <h2 id="links-title">Setup links you issued</h2>
        {can.manageInvitations ? (
          <Form method="post" className="inline-form" noValidate>
            <input type="hidden" name="intent" value="invite" />
            <div className="field">
              <label htmlFor="invite-org">Organization</label>
              <select id="invite-org" name="orgSlug" {...describedBy(errors.orgSlug, "invite-org-error")}>
                {orgs.map((o) => (
                  <option key={o.slug} value={o.slug}>
                    {o.name}
                  </option>
                ))}
              </select>
              <FieldError id="invite-org-error" message={errors.orgSlug} />
            </div>
            <SetupLinkFields errors={errors} defaultRole="org_admin" />
            <button type="submit" disabled={busy}>
              Create setup link
            </button>
          </Form>
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
                  {can.manageInvitations ? (
                    <td>{l.state === "valid" ? <RevokeSetupLink id={l.id} busy={busy} /> : null}</td>
                  ) : null}
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
