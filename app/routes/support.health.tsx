import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { Link } from "~/components/link";
import { DataTable } from "~/components/data-table";
import { Pager } from "~/components/pager";
import { sectionTitle } from "~/components/section-nav";
import { Time } from "~/components/time";
import { requireSupport } from "~/services/identity/guards.server";
import {
  HEALTH_PAGE_SIZE,
  HEALTH_SORTS,
  listOrganizationHealth,
  type HealthSort,
} from "~/services/monitoring/health.server";
import { healthView } from "~/services/monitoring/health-view";

/**
 * /support/health — every organization's health in one table: last applied version, soonest
 * certificate expiry (red once expired), drift field by field, pending changes, failed apply jobs
 * and the last metadata check; those needing attention first, filterable, paged. Each name opens
 * the organization's support page (its health in full, drift resolutions, history).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const url = new URL(request.url);
  const sortParam = url.searchParams.get("sort") ?? "attention";
  const sort: HealthSort = (HEALTH_SORTS as readonly string[]).includes(sortParam)
    ? (sortParam as HealthSort)
    : "attention";
  const now = new Date();
  const page = await listOrganizationHealth(scope, {
    sort,
    attentionOnly: url.searchParams.get("attention") === "1",
    search: url.searchParams.get("q") ?? undefined,
    page: Number(url.searchParams.get("page") ?? "1") || 1,
    now,
  });
  return {
    sort,
    total: page.total,
    page: page.page,
    pageSize: HEALTH_PAGE_SIZE,
    rows: page.rows.map((r) => healthView(r, now)),
  };
}

const DRIFT_LABEL = {
  in_sync: "In sync",
  drifted: "Drifted",
  missing: "Missing in Auth0",
  error: "Could not read",
} as const;

type HealthRow = ReturnType<typeof useLoaderData<typeof loader>>["rows"][number];

/** The drift cell: in sync or not, and the fields that differ folded below. */
function Drift({ row: r }: { row: HealthRow }) {
  return (
    <>
      {r.driftStatus ? (
        <span className={`badge ${r.driftStatus === "in_sync" ? "ok" : "error"}`}>{DRIFT_LABEL[r.driftStatus]}</span>
      ) : (
        "Not checked"
      )}
      {r.driftFields.length > 0 ? (
        <details>
          <summary>
            {r.driftFields.length} field{r.driftFields.length === 1 ? "" : "s"}
          </summary>
          <dl>
            {r.driftFields.map((f) => (
              <div key={f.field}>
                <dt className="mono">{f.field}</dt>
                <dd>
                  Ours: <code>{JSON.stringify(f.ours)}</code> · Auth0: <code>{JSON.stringify(f.auth0)}</code>
                </dd>
              </div>
            ))}
          </dl>
        </details>
      ) : null}
    </>
  );
}

export default function SupportHealth() {
  const { rows, total, page, pageSize, sort } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Organization health</h2>
      <Form method="get" className="inline-form" role="search" aria-label="Filter organizations">
        <div className="field">
          <label htmlFor="health-q">Organization</label>
          <input id="health-q" name="q" defaultValue={params.get("q") ?? ""} placeholder="Name or slug" />
        </div>
        <div className="field">
          <label htmlFor="health-sort">Sort by</label>
          <select id="health-sort" name="sort" defaultValue={sort}>
            <option value="attention">Needs attention first</option>
            <option value="certificate">Certificate expiry, soonest first</option>
            <option value="name">Name</option>
          </select>
        </div>
        <div className="field checkbox-field">
          <input
            id="health-attention"
            type="checkbox"
            name="attention"
            value="1"
            defaultChecked={params.get("attention") === "1"}
          />
          <label htmlFor="health-attention">Only organizations that need attention</label>
        </div>
        <button type="submit" className="secondary">
          Show
        </button>
      </Form>
      <DataTable
        rows={rows}
        rowKey={(r) => r.slug}
        empty="No organization matches. Clear the filter to see every organization."
        columns={[
          {
            header: "Organization",
            cell: (r) => (
              <>
                <Link to={`/support/orgs/${r.slug}`}>
                  <strong>{r.name}</strong>
                </Link>
                <p className="hint mono">{r.slug}</p>
              </>
            ),
          },
          { header: "Applied version", cell: (r) => r.appliedVersion ?? "—" },
          {
            header: "Signing certificate",
            cell: (r) =>
              r.certNotAfter ? (
                <span className={`badge ${r.certTone ?? ""}`}>
                  {r.certExpired ? "Expired " : "Expires "}
                  <Time value={r.certNotAfter} />
                </span>
              ) : (
                "—"
              ),
          },
          { header: "Drift", cell: (r) => <Drift row={r} /> },
          {
            header: "Pending changes",
            cell: (r) =>
              r.pendingChanges > 0 ? <Link to={`/support/changes?org=${r.slug}`}>{r.pendingChanges}</Link> : 0,
          },
          { header: "Failed apply jobs", cell: (r) => r.failedJobs },
          {
            header: "Metadata URL",
            cell: (r) => (
              <>
                {r.metadataStatus ?? "—"}
                {r.metadataCheckedAt ? (
                  <p className="hint">
                    <Time value={r.metadataCheckedAt} />
                  </p>
                ) : null}
              </>
            ),
          },
        ]}
      />
      <Pager total={total} page={page} pageSize={pageSize} noun="organization" />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Health") }];
