import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { SectionNav, sectionTitle, type Section } from "~/components/section-nav";
import { requireSupport } from "~/services/identity/guards.server";
import { SUPPORT_ROLE_LABEL } from "~/services/identity/permissions";

/**
 * /support — the vendor console's layout: its sections as child routes (organizations at the
 * index, the setup links this person issued, the audit log; the review queue, policies and health
 * join them). Vendor staff only: anyone else gets 404. Each child guards itself too.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  return { title: "Support console", role: scope.role };
}

const SECTIONS: Section[] = [
  { to: "/support", label: "Organizations", end: true },
  { to: "/support/changes", label: "Changes" },
  { to: "/support/live", label: "Live connections" },
  { to: "/support/links", label: "Setup links" },
  { to: "/support/audit", label: "Audit log" },
  { to: "/support/security", label: "Security log" },
  { to: "/support/health", label: "Health" },
  { to: "/support/jobs", label: "Scheduled jobs" },
];

/** Sections only a support lead may open. */
const LEAD_SECTIONS: Section[] = [
  { to: "/support/policies", label: "Review policies" },
  { to: "/support/api-keys", label: "API keys" },
];

export default function SupportLayout() {
  const { role } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>Support console</h1>
      <p className="lead">Signed in as {SUPPORT_ROLE_LABEL[role]}.</p>
      <SectionNav
        label="Support console sections"
        sections={role === "support_admin" ? [...SECTIONS, ...LEAD_SECTIONS] : SECTIONS}
      />
      <Outlet />
    </div>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "") }];
