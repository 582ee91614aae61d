import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { NewSetupLink, RevokeSetupLink, SetupLinkForm } from "~/components/setup-links";
import { Time } from "~/components/time";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, unknownIntent } from "~/forms/parse.server";
import { revokeSetupLinkSchema, setupLinkSchema } from "~/forms/setup-links";
import { requireOrgMember } from "~/services/identity/guards.server";
import { createOrgInvitation, listOrgInvitations, revokeInvitation } from "~/services/identity/invitations.server";
import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { sectionTitle } from "~/components/section-nav";

/** /orgs/<slug>/links — an administrator's setup links: create one (shown once), see and revoke pending ones. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const invitations = await listOrgInvitations(scope, { pendingOnly: true });
  return {
    org: { name: scope.org.name },
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
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "invite": {
      const parsed = parseSubmission(submission, setupLinkSchema);
      if (!parsed.ok) return parsed.reply;
      const { url, invitation } = await createOrgInvitation(scope, parsed.value);
      return redirectWithFlash(samePage(request), {
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
      return redirectWithFlash(samePage(request), { tone: "ok", message: "The setup link was revoked." });
    }
    default:
      return unknownIntent(submission);
  }
}

export default function OrganizationSetupLinks() {
  const { org, invitations } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="links-title">
      <h2 id="links-title">Setup links</h2>
      <NewSetupLink />
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
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Setup links") }];
