import { Form, useLocation } from "@remix-run/react";
import { Link } from "~/components/link";
import { DataTable, type Column, type KeyOf } from "./data-table";
import { SelectOptions } from "./form";
import { Time } from "./time";

/**
 * An audit or security log page: the filters (a GET form that works without JavaScript), the
 * events as a table, and a link to older events. Sentences and names wrap between words only.
 */
export interface Choice {
  value: string;
  label: string;
}

/** One filter's select: "any" (no filter) first, then the choices. */
function FilterSelect({
  label,
  name,
  any,
  choices,
  value,
}: {
  label: string;
  name: string;
  any: string;
  choices: Choice[];
  value: string | undefined;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ?? ""}>
        <option value="">{any}</option>
        <SelectOptions options={choices} />
      </select>
    </label>
  );
}

export function AuditFilters({
  actors,
  actions,
  orgs,
  values,
  ignored,
}: {
  actors: Choice[];
  actions: Choice[];
  /** Organizations to choose from, or "by-slug" when there are too many for a list (a text field). */
  orgs?: Choice[] | "by-slug";
  values: Record<string, string | undefined>;
  ignored: string[];
}) {
  const { pathname } = useLocation();
  return (
    <Form method="get" className="audit-filters" aria-label="Filter events">
      {ignored.length > 0 ? (
        <p className="notice" role="status">
          Left out of the filter because it was not understood: {ignored.join(", ")}. Dates are written YYYY-MM-DD.
        </p>
      ) : null}
      <FilterSelect label="Person" name="actor" any="Anyone" choices={actors} value={values.actor} />
      <FilterSelect label="Action" name="action" any="Any action" choices={actions} value={values.action} />
      {orgs === "by-slug" ? (
        <label>
          Organization (slug)
          <input name="org" defaultValue={values.org ?? ""} placeholder="e.g. acme" autoComplete="off" />
        </label>
      ) : orgs ? (
        <FilterSelect label="Organization" name="org" any="Every organization" choices={orgs} value={values.org} />
      ) : null}
      <label>
        From (UTC day)
        <input type="date" name="from" defaultValue={values.from ?? ""} />
      </label>
      <label>
        To (UTC day)
        <input type="date" name="to" defaultValue={values.to ?? ""} />
      </label>
      <div className="audit-filter-actions">
        <button type="submit">Show events</button>
        <Link to={pathname}>Clear filters</Link>
      </div>
    </Form>
  );
}

/** "Older events" keeps the filters and moves the cursor; "Newest events" drops it. */
export function AuditPager({ next, paged }: { next?: string; paged: boolean }) {
  const { pathname, search } = useLocation();
  const params = new URLSearchParams(search);
  params.delete("after");
  const base = params.toString();
  const older = new URLSearchParams(base);
  if (next) older.set("after", next);
  if (!next && !paged) return null;
  return (
    <nav className="pager" aria-label="Pages of events">
      {paged ? <Link to={`${pathname}${base ? `?${base}` : ""}`}>Newest events</Link> : null}
      {next ? <Link to={`${pathname}?${older.toString()}`}>Older events</Link> : null}
    </nav>
  );
}

/**
 * A log as a table (the audit log, the security log): its times first, in a column that does not
 * wrap, then the page's own columns; when nothing shows, the page says whether its filters hid it.
 */
export function LogTable<Row extends { id: string }>({
  rows,
  time,
  columns,
  empty,
}: {
  rows: Row[];
  time: { header: string; at: (row: Row) => string };
  columns: (Column<Row> | false)[];
  empty: string;
}) {
  const when: Column<Row> = { header: time.header, className: "when", cell: (r) => <Time value={time.at(r)} /> };
  // Keyed by id; TypeScript cannot see through the generic that every Row has one.
  const byId = { rowKey: (r: Row) => r.id } as KeyOf<Row>;
  return <DataTable {...byId} rows={rows} scroll className="audit-events" empty={empty} columns={[when, ...columns]} />;
}

export function AuditEvents({
  rows,
  showOrg = false,
  filtered,
}: {
  rows: { id: string; at: string; actor: string; sentence: string; outcome: string; orgName: string | null }[];
  showOrg?: boolean;
  filtered: boolean;
}) {
  return (
    <LogTable
      rows={rows}
      time={{ header: "When", at: (r) => r.at }}
      empty={filtered ? "No events match these filters. Clear them to see everything." : "Nothing recorded yet."}
      columns={[
        showOrg && { header: "Organization", cell: (r) => r.orgName ?? "—" },
        {
          header: "What happened",
          cell: (r) => (
            <>
              {r.sentence}
              {r.outcome !== "success" ? (
                <>
                  {" "}
                  <span className={`badge ${r.outcome === "denied" ? "warn" : "error"}`}>
                    {r.outcome === "denied" ? "refused" : "failed"}
                  </span>
                </>
              ) : null}
            </>
          ),
        },
      ]}
    />
  );
}
