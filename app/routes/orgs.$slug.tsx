import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { AuditTable } from "~/components/audit-table";
import { ActionNotice, fieldErrors } from "~/components/form-errors";
import { NewSetupLink, RevokeSetupLink, SetupLinkFields } from "~/components/setup-links";
import { Time } from "~/components/time";
import { listOrgAudit } from "~/services/audit/audit-log.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { ORG_ROLE_LABEL, orgRoleCan } from "~/services/identity/permissions";
import {
  createOrgInvitation,
  listOrgInvitations,
  revokeInvitation,
  revokeSetupLinkSchema,
  setupLinkFormFields,
} from "~/services/identity/invitations.server";
import { changeMemberRole, listMembers, removeMember } from "~/services/identity/memberships.server";

/**
 * /orgs/<slug> — an organization's home: its members for everyone in it; setup links, member
 * management and the audit log for its administrators. The organization comes from the user's
 * memberships (requireOrgMember), never from the URL alone: another organization answers 404.
 */

const inviteSchema = z.object({ intent: z.literal("invite"), ...setupLinkFormFields });
const roleSchema = z.object({
  intent: z.literal("change-role"),
  userId: z.string().uuid(),
  role: z.enum(["org_admin", "org_viewer"]),
});
const removeSchema = z.object({ intent: z.literal("remove-member"), userId: z.string().uuid() });

type ActionResult =
  | { ok: true; message: string; link?: { url: string; role: string; expiresAt: string; maxUses: number } }
  | { ok: false; message: string; fieldErrors?: Record<string, string> };

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const isAdmin = orgRoleCan(scope.role, "org:invitations:read");
  const [members, invitations, audit] = await Promise.all([
    listMembers(scope),
    isAdmin ? listOrgInvitations(scope, { pendingOnly: true }) : Promise.resolve([]),
    orgRoleCan(scope.role, "org:audit:read") ? listOrgAudit(scope, 50) : Promise.resolve([]),
  ]);
  return {
    org: { slug: scope.org.slug, name: scope.org.name },
    me: { id: scope.user.id, role: scope.role },
    can: {
      manageMembers: orgRoleCan(scope.role, "org:members:manage"),
      manageInvitations: orgRoleCan(scope.role, "org:invitations:manage"),
      readAudit: orgRoleCan(scope.role, "org:audit:read"),
    },
    members: members.map((m) => ({ ...m, since: m.since.toISOString() })),
    // Pending only (filtered in SQL); the state is checked again against this instant.
    invitations: invitations
      .filter((i) => i.state === "valid")
      .map((i) => ({
        id: i.id,
        role: i.role,
        createdBy: i.createdBy,
        expiresAt: i.expiresAt.toISOString(),
        uses: i.uses,
        maxUses: i.maxUses,
      })),
    audit: audit.map((a) => ({ ...a, at: a.at.toISOString() })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Every change here is an administrator's: one guard before anything is read.
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const form = Object.fromEntries(await request.formData());
  switch (form.intent) {
    case "invite": {
      const parsed = inviteSchema.safeParse(form);
      if (!parsed.success)
        return data<ActionResult>(
          { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrors(parsed.error) },
          { status: 400 },
        );
      const { url, invitation } = await createOrgInvitation(scope, parsed.data);
      return data<ActionResult>({
        ok: true,
        message: "Setup link created. Copy it now: it is shown only once.",
        link: {
          url,
          role: ORG_ROLE_LABEL[invitation.role],
          expiresAt: new Date(invitation.expires_at).toISOString(),
          maxUses: invitation.max_uses,
        },
      });
    }
    case "revoke-invite": {
      const parsed = revokeSetupLinkSchema.safeParse(form);
      if (!parsed.success || !(await revokeInvitation(scope, parsed.data.invitationId)))
        throw new Response("No such setup link in this organization.", { status: 404 });
      return data<ActionResult>({ ok: true, message: "The setup link was revoked." });
    }
    case "change-role": {
      const parsed = roleSchema.safeParse(form);
      if (!parsed.success)
        return data<ActionResult>({ ok: false, message: "Choose a member and a role." }, { status: 400 });
      const result = await changeMemberRole(scope, parsed.data.userId, parsed.data.role);
      if (!result.ok) return data<ActionResult>({ ok: false, message: result.error }, { status: 400 });
      return data<ActionResult>({ ok: true, message: "The role was changed." });
    }
    case "remove-member": {
      const parsed = removeSchema.safeParse(form);
      if (!parsed.success) return data<ActionResult>({ ok: false, message: "Choose a member." }, { status: 400 });
      const result = await removeMember(scope, parsed.data.userId);
      if (!result.ok) return data<ActionResult>({ ok: false, message: result.error }, { status: 400 });
      return data<ActionResult>({ ok: true, message: "The member was removed." });
    }
    default:
      return data<ActionResult>({ ok: false, message: "Unknown action." }, { status: 400 });
  }
}

export default function OrganizationHome() {
  const { org, me, can, members, invitations, audit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errors = result && !result.ok ? (result.fieldErrors ?? {}) : {};
  return (
    <div className="stack">
      <h1>{org.name}</h1>
      <p className="lead">You are {me.role === "org_admin" ? "an administrator" : "a viewer"} of this organization.</p>
      <div aria-live="polite">
        <ActionNotice result={result} />
        {result?.ok && result.link ? <NewSetupLink link={result.link} /> : null}
      </div>

      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
              {can.manageMembers ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td>
                  {m.name ? `${m.name} · ` : ""}
                  {m.email}
                </td>
                <td>{ORG_ROLE_LABEL[m.role]}</td>
                <td>
                  <Time value={m.since} />
                </td>
                {can.manageMembers ? (
                  <td>
                    {m.userId === me.id ? (
                      <span className="hint">you</span>
                    ) : (
                      <div className="button-row">
                        <Form method="post">
                          <input type="hidden" name="intent" value="change-role" />
                          <input type="hidden" name="userId" value={m.userId} />
                          <input
                            type="hidden"
                            name="role"
                            value={m.role === "org_admin" ? "org_viewer" : "org_admin"}
                          />
                          <button type="submit" className="secondary" disabled={busy}>
                            Make {m.role === "org_admin" ? "viewer" : "administrator"}
                            <span className="visually-hidden"> ({m.email})</span>
                          </button>
                        </Form>
                        <Form method="post">
                          <input type="hidden" name="intent" value="remove-member" />
                          <input type="hidden" name="userId" value={m.userId} />
                          <button type="submit" className="danger" disabled={busy}>
                            Remove<span className="visually-hidden"> {m.email}</span>
                          </button>
                        </Form>
                      </div>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {can.manageInvitations ? (
        <section className="card" aria-labelledby="links-title">
          <h2 id="links-title">Setup links</h2>
          <p>Invite a second administrator or a viewer. Whoever opens the link signs in and joins {org.name}.</p>
          <Form method="post" className="inline-form" noValidate>
            <input type="hidden" name="intent" value="invite" />
            <SetupLinkFields errors={errors} defaultRole="org_viewer" />
            <button type="submit" disabled={busy}>
              Create setup link
            </button>
          </Form>
          <h3>Pending links</h3>
          {invitations.length === 0 ? (
            <p className="empty-state">No pending setup links.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Uses</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {invitations.map((i) => (
                  <tr key={i.id}>
                    <td>{ORG_ROLE_LABEL[i.role]}</td>
                    <td>{i.createdBy}</td>
                    <td>
                      {i.uses} of {i.maxUses}
                    </td>
                    <td>
                      <Time value={i.expiresAt} />
                    </td>
                    <td>
                      <RevokeSetupLink id={i.id} busy={busy} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}

      {can.readAudit ? (
        <section className="card" aria-labelledby="audit-title">
          <h2 id="audit-title">Audit log</h2>
          <AuditTable rows={audit} />
        </section>
      ) : null}
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.org.name ?? "Organization"} · SSO Portal` },
];
