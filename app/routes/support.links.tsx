import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { sectionTitle } from "~/components/section-nav";
import { NewSetupLink, RevokeSetupLink, SupportSetupLinkForm } from "~/components/setup-links";
import { Time } from "~/components/time";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { revokeSetupLinkSchema, supportSetupLinkSchema } from "~/forms/setup-links";
import { requireSupport } from "~/services/identity/guards.server";
import {
  createSupportInvitation,
  listInvitationsIssuedBy,
  revokeInvitation,
} from "~/services/identity/invitations.server";
import { listOrganizations } from "~/services/identity/organizations.server";
import { ORG_ROLE_LABEL, supportRoleCan } from "~/services/identity/permissions";

/**
 * /support/links — the setup links this person issued, with their state; a support lead issues
 * one for any organization (typically its first administrator's) and revokes them.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const manage = supportRoleCan(scope.role, "support:invitations:manage");
  const [orgs, links] = await Promise.all([
    manage ? listOrganizations(scope) : Promise.resolve([]),
    listInvitationsIssuedBy(scope),
  ]);
  return {
    can: { manageInvitations: manage },
    orgs: orgs.map((o) => ({ slug: o.slug, name: o.name })),
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
  };
}

export async function action({ request }: ActionFunctionArgs) {
  // Every change here is a support lead's.
  const scope = await requireSupport(request, "support_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "invite": {
      const parsed = parseSubmission(submission, supportSetupLinkSchema);
      if (!parsed.ok) return parsed.reply;
      const created = await createSupportInvitation(scope, parsed.value.orgSlug, parsed.value);
      if (!created)
        return refuse(submission, "That organization does not exist.", {
          orgSlug: "Choose an organization from the list.",
        });
      return redirectWithFlash(samePage(request), {
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
      return redirectWithFlash(samePage(request), { tone: "ok", message: "The setup link was revoked." });
    }
    default:
      return unknownIntent(submission);
  }
}

const STATE_LABEL: Record<string, { text: string; tone: string }> = {
  valid: { text: "Pending", tone: "ok" },
  used: { text: "Used", tone: "" },
  expired: { text: "Expired", tone: "warn" },
  revoked: { text: "Revoked", tone: "error" },
};

export default function SupportSetupLinks() {
  const { can, orgs, links } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="links-title">
      <h2 id="links-title">Setup links you issued</h2>
      <NewSetupLink />
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
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Setup links") }];
