import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { sectionTitle } from "~/components/section-nav";
import { NewSetupLink, RevokeSetupLink, SupportSetupLinkForm } from "~/components/setup-links";
import { Time } from "~/components/time";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { supportSetupLinkSchema } from "~/forms/setup-links";
import { revokeSetupLinkAction, setupLinkCreated } from "~/forms/setup-links.server";
import { requireSupport } from "~/services/identity/guards.server";
import {
  createSupportInvitation,
  listInvitationsIssuedBy,
  revokeInvitation,
} from "~/services/identity/invitations.server";
import { organizationChoices } from "~/services/identity/organizations.server";
import { ORG_ROLE_LABEL, supportRoleCan } from "~/services/identity/permissions";

/**
 * /support/links — the setup links this person issued, with their state; a support lead issues
 * one for any organization (typically its first administrator's) and revokes them.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const manage = supportRoleCan(scope.role, "support:invitations:manage");
  const [orgs, links] = await Promise.all([
    manage ? organizationChoices(scope) : Promise.resolve([]),
    listInvitationsIssuedBy(scope),
  ]);
  return {
    can: { manageInvitations: manage },
    orgs,
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
          orgSlug: "No organization has this slug: choose it from the list, or check it on the Organizations page.",
        });
      return setupLinkCreated(request, created, parsed.value.orgSlug);
    }
    case "revoke-invite":
      return revokeSetupLinkAction(request, submission, (id) => revokeInvitation(scope, id));
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
      <DataTable
        rows={links}
        empty="You have not issued any setup links."
        columns={[
          { header: "Organization", cell: (l) => l.org },
          { header: "Role", cell: (l) => ORG_ROLE_LABEL[l.role] },
          {
            header: "State",
            cell: (l) => (
              <span className={`badge ${STATE_LABEL[l.state]?.tone ?? ""}`}>
                {STATE_LABEL[l.state]?.text ?? l.state}
              </span>
            ),
          },
          {
            header: "Uses",
            cell: (l) => (
              <>
                {l.uses} of {l.maxUses}
              </>
            ),
          },
          { header: "Created", cell: (l) => <Time value={l.createdAt} /> },
          { header: "Expires", cell: (l) => <Time value={l.expiresAt} /> },
          can.manageInvitations && {
            header: "Actions",
            cell: (l) => (l.state === "valid" ? <RevokeSetupLink id={l.id} /> : null),
          },
        ]}
      />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Setup links") }];
