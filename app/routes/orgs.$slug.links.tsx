import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { NewSetupLink, PendingSetupLinks, pendingSetupLink, SetupLinkForm } from "~/components/setup-links";
import { parseSubmission, readSubmission, unknownIntent } from "~/forms/parse.server";
import { setupLinkSchema } from "~/forms/setup-links";
import { revokeSetupLinkAction, setupLinkCreated } from "~/forms/setup-links.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { createOrgInvitation, listOrgInvitations, revokeInvitation } from "~/services/identity/invitations.server";
import { sectionTitle } from "~/components/section-nav";

/** /orgs/<slug>/links — an administrator's setup links: create one (shown once), see and revoke pending ones. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const invitations = await listOrgInvitations(scope, { pendingOnly: true });
  return {
    org: { name: scope.org.name },
    // Pending only (filtered in SQL); the state is checked again against this instant.
    invitations: invitations.filter((i) => i.state === "valid").map(pendingSetupLink),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "invite": {
      const parsed = parseSubmission(submission, setupLinkSchema);
      if (!parsed.ok) return parsed.reply;
      return setupLinkCreated(request, await createOrgInvitation(scope, parsed.value));
    }
    case "revoke-invite":
      return revokeSetupLinkAction(request, submission, (id) => revokeInvitation(scope, id));
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
      <PendingSetupLinks links={invitations} canRevoke />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Setup links") }];
