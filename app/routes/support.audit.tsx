import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { AuditEvents, AuditFilters, AuditPager } from "~/components/audit-log";
import { sectionTitle } from "~/components/section-nav";
import { parseAuditFilter } from "~/forms/audit-filter";
import { auditFilterChoices, readAuditLog } from "~/services/audit/audit-log.server";
import { requireSupport } from "~/services/identity/guards.server";
import { organizationChoices } from "~/services/identity/organizations.server";

/** /support/audit — what happened, in every organization, in words. */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const { filter, ignored } = parseAuditFilter(new URL(request.url).searchParams);
  const { after, ...rest } = filter;
  const [page, choices, orgs] = await Promise.all([
    readAuditLog(scope, rest, { after }),
    auditFilterChoices(scope),
    organizationChoices(scope),
  ]);
  return {
    ...page,
    ...choices,
    orgs: orgs ? orgs.map((o) => ({ value: o.slug, label: o.name })) : ("by-slug" as const),
    values: filter,
    ignored,
  };
}

export default function SupportAudit() {
  const { rows, next, actors, actions, orgs, values, ignored } = useLoaderData<typeof loader>();
  const filtered = Boolean(values.actor || values.action || values.from || values.to || values.org);
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <p className="hint">
        What people did in every organization, newest first. Requests refused to people outside an organization are in
        the <Link to="/support/security">security log</Link>.
      </p>
      <AuditFilters actors={actors} actions={actions} orgs={orgs} values={values} ignored={ignored} />
      <AuditEvents rows={rows} showOrg filtered={filtered} />
      <AuditPager next={next} paged={Boolean(values.after)} />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Audit log") }];
