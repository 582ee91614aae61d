import { Time } from "./time";

/** Audit rows as a table: when, who, (organization,) what, target, outcome, IP. */
export function AuditTable({
  rows,
  showOrg = false,
}: {
  rows: {
    id: string;
    at: string;
    actor: string;
    orgSlug: string | null;
    action: string;
    target: string | null;
    outcome: string;
    ip: string | null;
  }[];
  showOrg?: boolean;
}) {
  if (rows.length === 0) return <p className="empty-state">Nothing recorded yet.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            {showOrg ? <th scope="col">Organization</th> : null}
            <th scope="col">What</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">IP</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Time value={r.at} />
              </td>
              <td>{r.actor}</td>
              {showOrg ? <td>{r.orgSlug ?? "—"}</td> : null}
              <td className="mono">{r.action}</td>
              <td>{r.target ?? "—"}</td>
              <td>
                <span className={`badge ${r.outcome === "success" ? "ok" : r.outcome === "denied" ? "warn" : "error"}`}>
                  {r.outcome}
                </span>
              </td>
              <td className="mono">{r.ip ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
