import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AuditTable } from "~/components/audit-table";
import { SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { NewSetupLink, RevokeSetupLink, SetupLinkForm } from "~/components/setup-links";
import { Time } from "~/components/time";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { changeRoleSchema, removeMemberSchema } from "~/forms/members";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { revokeSetupLinkSchema, setupLinkSchema } from "~/forms/setup-links";
import { listOrgAudit } from "~/services/audit/audit-log.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { ORG_ROLE_LABEL, orgRoleCan } from "~/services/identity/permissions";
import { createOrgInvitation, listOrgInvitations, revokeInvitation } from "~/services/identity/invitations.server";
import { changeMemberRole, listMembers, removeMember } from "~/services/identity/memberships.server";

/**
 * /orgs/<slug> — an organization's home: its members for everyone in it; setup links, member
 * management and the audit log for its administrators. The organization comes from the user's
 * memberships (requireOrgMember), never from the URL alone: another organization answers 404.
 */

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
  const submission = await readSubmission(request);
  const back = samePage(request);
  switch (submission.intent) {
    case "invite": {
      const parsed = parseSubmission(submission, setupLinkSchema);
      if (!parsed.ok) return parsed.reply;
      const { url, invitation } = await createOrgInvitation(scope, parsed.value);
      return redirectWithFlash(back, {
        tone: "ok",
        message: "Setup link created. Copy it now: it is shown only once.",
        setupLink: {
          url,
          role: ORG_ROLE_LABEL[invitation.role],
          expiresAt: new Date(invitation.expires_at).toISOString(),
          maxUses: invitation.max_uses,
        },
      });
    }
    case "revoke-invite": {
      const parsed = parseSubmission(submission, revokeSetupLinkSchema);
      if (!parsed.ok || !(await revokeInvitation(scope, parsed.value.invitationId)))
        throw new Response("No such setup link in this organization.", { status: 404 });
      return redirectWithFlash(back, { tone: "ok", message: "The setup link was revoked." });
    }
    case "change-role": {
      const parsed = parseSubmission(submission, changeRoleSchema, "Choose a member and a role.");
      if (!parsed.ok) return parsed.reply;
      const result = await changeMemberRole(scope, parsed.value.userId, parsed.value.role);
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(back, { tone: "ok", message: "The role was changed." });
    }
    case "remove-member": {
      const parsed = parseSubmission(submission, removeMemberSchema, "Choose a member.");
      if (!parsed.ok) return parsed.reply;
      const result = await removeMember(scope, parsed.value.userId);
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(back, { tone: "ok", message: "The member was removed." });
    }
    default:
      return unknownIntent(submission);
  }
}

/** A member's two actions: the other role, and removal; a refusal shows beside the button pressed. */
function MemberActions({ member }: { member: { userId: string; email: string; role: "org_admin" | "org_viewer" } }) {
  const other = member.role === "org_admin" ? "org_viewer" : "org_admin";
  const changeRole = useSchemaForm(changeRoleSchema, {
    intent: "change-role",
    hidden: { userId: member.userId, role: other },
  });
  const remove = useSchemaForm(removeMemberSchema, { intent: "remove-member", hidden: { userId: member.userId } });
  return (
    <div className="button-row">
      <SchemaForm form={changeRole}>
        <SubmitButton className="secondary">
          Make {other === "org_admin" ? "administrator" : "viewer"}
          <span className="visually-hidden"> ({member.email})</span>
        </SubmitButton>
      </SchemaForm>
      <SchemaForm form={remove}>
        <SubmitButton className="danger">
          Remove<span className="visually-hidden"> {member.email}</span>
        </SubmitButton>
      </SchemaForm>
    </div>
  );
}

export default function OrganizationHome() {
  const { org, me, can, members, invitations, audit } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>{org.name}</h1>
      <p className="lead">You are {me.role === "org_admin" ? "an administrator" : "a viewer"} of this organization.</p>
      <p>
        <Link to={`/orgs/${org.slug}/sso/live`}>Single sign-on: test and go live</Link>
      </p>
      <NewSetupLink />

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
                  <td>{m.userId === me.id ? <span className="hint">you</span> : <MemberActions member={m} />}</td>
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
          <SetupLinkForm defaultRole="org_viewer" />
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
                      <RevokeSetupLink id={i.id} />
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
