import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { RiskBadge, StateBadge, useLiveRevalidation, VerdictBadge } from "~/components/change-status";
import { DataTable } from "~/components/data-table";
import { FilterButton } from "~/components/pager";
import { sectionTitle } from "~/components/section-nav";
import { Time } from "~/components/time";
import { requireSupport } from "~/services/identity/guards.server";
import { POLICY_RULE_LABEL, type PolicyRule } from "~/services/change-requests/policies";
import { isChangeState, listQueue } from "~/services/change-requests/queries.server";
import { CHANGE_STATES, STATE_LABEL, type ChangeState } from "~/services/change-requests/states";

/**
 * /support/changes — every organization's changes, oldest first: waiting for review by default,
 * any state or one organization by filter; keyset-paged ("Next page" carries the last row's
 * position), so the page costs the same however deep the queue.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const url = new URL(request.url);
  const stateParam = url.searchParams.get("state") ?? "pending_review";
  const state: ChangeState | "all" = stateParam === "all" || isChangeState(stateParam) ? stateParam : "pending_review";
  const org = (url.searchParams.get("org") ?? "").trim().toLowerCase().slice(0, 100);
  const after = url.searchParams.get("after");
  const page = await listQueue(scope, { state, org: org || undefined, after });
  const now = Date.now();
  return {
    state,
    org,
    paged: Boolean(after),
    next: page.next,
    rows: page.rows.map((r) => ({
      ...r,
      submittedAt: r.submittedAt.toISOString(),
      ageHours: Math.max(0, Math.floor((now - r.submittedAt.getTime()) / 3_600_000)),
    })),
  };
}

function age(hours: number): string {
  if (hours < 1) return "under an hour";
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return `${Math.floor(hours / 24)} days`;
}

export default function ChangeQueue() {
  const { state, org, rows, next, paged } = useLoaderData<typeof loader>();
  const nextHref = next ? `?${new URLSearchParams({ state, ...(org ? { org } : {}), after: next })}` : null;
  // The first page keeps itself current (new changes arrive, reviewed ones leave); deeper pages stay put.
  useLiveRevalidation(!paged, 15_000);
  return (
    <div className="stack">
      <h2>Changes</h2>
      <p>Single sign-on changes customers submitted, oldest first. Open one to see its report and diff.</p>
      <Form method="get" className="inline-form" aria-label="Filter changes">
        <div className="field">
          <label htmlFor="filter-state">State</label>
          <select id="filter-state" name="state" defaultValue={state}>
            {CHANGE_STATES.filter((s) => s !== "draft").map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
            <option value="all">Any state</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-org">Organization (slug)</label>
          <input id="filter-org" name="org" defaultValue={org} placeholder="e.g. acme" autoComplete="off" />
        </div>
        <FilterButton>Filter</FilterButton>
      </Form>
      <section className="card" aria-labelledby="queue-title">
        <h3 id="queue-title">
          {state === "all" ? "All changes" : STATE_LABEL[state]}
          {org ? ` · ${org}` : ""}
        </h3>
        <DataTable
          rows={rows}
          scroll
          empty={
            state === "pending_review" && !org && !paged
              ? "Nothing waits for review. New changes appear here as customers submit them."
              : "No change matches these filters."
          }
          columns={[
            {
              header: "Change",
              cell: (r) => (
                <>
                  <Link to={`/support/changes/${r.id}`}>Change #{r.id}</Link>
                  <p className="hint">{r.summary}</p>
                </>
              ),
            },
            {
              header: "Organization",
              cell: (r) => (
                <>
                  {r.orgName}
                  <p className="hint mono">{r.orgSlug}</p>
                </>
              ),
            },
            { header: "Author", cell: (r) => r.author },
            {
              header: "Waiting",
              cell: (r) => (
                <>
                  {age(r.ageHours)}
                  <p className="hint">
                    since <Time value={r.submittedAt} />
                  </p>
                </>
              ),
            },
            {
              header: "Risk",
              cell: (r) => (
                <>
                  <RiskBadge risk={r.risk} />
                  <p className="hint">{POLICY_RULE_LABEL[r.policyRule as PolicyRule] ?? r.policyRule}</p>
                </>
              ),
            },
            { header: "Report", cell: (r) => <VerdictBadge verdict={r.verdict} /> },
            { header: "State", cell: (r) => <StateBadge state={r.state} /> },
          ]}
        />
        <nav className="button-row" aria-label="Pages">
          {paged ? (
            <Link className="button secondary" to={`?${new URLSearchParams({ state, ...(org ? { org } : {}) })}`}>
              First page
            </Link>
          ) : null}
          {nextHref ? (
            <Link className="button secondary" to={nextHref}>
              Next page
            </Link>
          ) : null}
        </nav>
      </section>
    </div>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Changes") }];
