import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AuditTable } from "~/components/audit-table";
import { listOrgAudit } from "~/services/audit/audit-log.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { sectionTitle } from "~/components/section-nav";

/** /orgs/<slug>/audit — what happened in the organization, for its administrators. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const audit = await listOrgAudit(scope, 50);
  return { audit: audit.map((a) => ({ ...a, at: a.at.toISOString() })) };
}

export default function OrganizationAudit() {
  const { audit } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <AuditTable rows={audit} />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Audit log") }];
