import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AuditFilters, AuditPager, LogTable } from "~/components/audit-log";
import { sectionTitle } from "~/components/section-nav";
import { parseAuditFilter } from "~/forms/audit-filter";
import { describeRefusal, listSecurityEvents, securityActors } from "~/services/audit/security-log.server";
import { requireSupport } from "~/services/identity/guards.server";

/**
 * /support/security — requests refused to people outside an organization (nobody signed in,
 * another organization's member, a cross-origin form, a failed sign-in), counted per person,
 * address and hour. Support only: no organization's own log shows them.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const { filter, ignored } = parseAuditFilter(new URL(request.url).searchParams);
  const { after, org: _org, ...rest } = filter;
  const [page, actors] = await Promise.all([listSecurityEvents(scope, rest, { after }), securityActors(scope)]);
  return {
    rows: page.rows.map((r) => ({
      id: r.id,
      lastAt: r.lastAt.toISOString(),
      firstAt: r.firstAt.toISOString(),
      sentence: describeRefusal(r),
      count: r.count,
      orgName: r.orgName,
    })),
    next: page.next,
    actors: actors.map((a) => ({ value: a.key, label: a.label })),
    values: filter,
    ignored,
  };
}

const ACTIONS = [
  { value: "access.denied", label: "Refused" },
  { value: "session.sign_in", label: "Failed sign-in" },
];

export default function SupportSecurityLog() {
  const { rows, next, actors, values, ignored } = useLoaderData<typeof loader>();
  const filtered = Boolean(values.actor || values.action || values.from || values.to);
  return (
    <section className="card" aria-labelledby="security-title">
      <h2 id="security-title">Security log</h2>
      <p className="hint">
        Requests refused to people outside an organization, and sign-ins that failed, counted per person, address and
        hour: a flood is one line with its count. Organizations do not see these.
      </p>
      <AuditFilters actors={actors} actions={ACTIONS} values={values} ignored={ignored} />
      <LogTable
        rows={rows}
        time={{ header: "Last time", at: (r) => r.lastAt }}
        empty={filtered ? "Nothing matches these filters. Clear them to see everything." : "Nothing refused yet."}
        columns={[
          { header: "What happened", cell: (r) => r.sentence },
          { header: "Aimed at", cell: (r) => r.orgName ?? "—" },
          {
            header: "Times",
            headerClassName: "number",
            className: "number",
            cell: (r) => r.count.toLocaleString("en"),
          },
        ]}
      />
      <AuditPager next={next} paged={Boolean(values.after)} />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Security log") }];
