import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AuditEvents, AuditFilters, AuditPager } from "~/components/audit-log";
import { sectionTitle } from "~/components/section-nav";
import { parseAuditFilter } from "~/forms/audit-filter";
import { auditFilterChoices, readAuditLog } from "~/services/audit/audit-log.server";
import { requireOrgMember } from "~/services/identity/guards.server";

/** /orgs/<slug>/audit — what happened in the organization, in words, for its administrators. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const { filter, ignored } = parseAuditFilter(new URL(request.url).searchParams);
  const { after, ...rest } = filter;
  const [page, choices] = await Promise.all([readAuditLog(scope, rest, { after }), auditFilterChoices(scope)]);
  return { ...page, ...choices, values: filter, ignored };
}

export default function OrganizationAudit() {
  const { rows, next, actors, actions, values, ignored } = useLoaderData<typeof loader>();
  const filtered = Boolean(values.actor || values.action || values.from || values.to);
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <p className="hint">Everything people in this organization did, and what the portal did for it, newest first.</p>
      <AuditFilters actors={actors} actions={actions} values={values} ignored={ignored} />
      <AuditEvents rows={rows} filtered={filtered} />
      <AuditPager next={next} paged={Boolean(values.after)} />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Audit log") }];
