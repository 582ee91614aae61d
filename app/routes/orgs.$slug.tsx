import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { SectionNav, sectionTitle, type Section } from "~/components/section-nav";
import { requireOrgMember } from "~/services/identity/guards.server";
import { orgRoleCan } from "~/services/identity/permissions";

/**
 * /orgs/<slug> — an organization's layout: its name, the viewer's role and its sections, each a
 * child route (members at the index, setup links, audit log; SSO joins them). The organization
 * comes from the user's memberships (requireOrgMember), never from the URL alone: another
 * organization answers 404. Each child guards itself too: loaders run in parallel, and actions
 * run without their parents' loaders.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  return {
    title: scope.org.name,
    org: { slug: scope.org.slug, name: scope.org.name },
    me: { role: scope.role },
    can: {
      readInvitations: orgRoleCan(scope.role, "org:invitations:read"),
      readAudit: orgRoleCan(scope.role, "org:audit:read"),
    },
  };
}

export default function OrganizationLayout() {
  const { org, me, can } = useLoaderData<typeof loader>();
  const base = `/orgs/${org.slug}`;
  const sections: Section[] = [
    { to: base, label: "Members", end: true },
    { to: `${base}/sso`, label: "Single sign-on" },
    ...(can.readInvitations ? [{ to: `${base}/links`, label: "Setup links" }] : []),
    ...(can.readAudit ? [{ to: `${base}/audit`, label: "Audit log" }] : []),
  ];
  return (
    <div className="stack">
      <h1>{org.name}</h1>
      <p className="lead">You are {me.role === "org_admin" ? "an administrator" : "a viewer"} of this organization.</p>
      <SectionNav label={`${org.name} sections`} sections={sections} />
      <Outlet />
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ matches }) => [{ title: sectionTitle(matches, "") }];
