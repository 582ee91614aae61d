import type { DiffRow } from "~/services/change-requests/diff";

/**
 * The field-by-field difference a reviewer reads. Every value is text from outside (an IdP's
 * metadata), rendered as text; a secret never appears, only that it changed.
 */
const CHANGE_WORDS: Record<DiffRow["change"], string> = {
  added: "Added",
  removed: "Removed",
  changed: "Changed",
  unchanged: "Unchanged",
};

const CHANGE_TONE: Record<DiffRow["change"], string> = {
  added: "ok",
  removed: "error",
  changed: "warn",
  unchanged: "",
};

export function ChangeDiff({ rows, baseLabel }: { rows: DiffRow[]; baseLabel: string }) {
  if (rows.length === 0) return <p className="empty-state">Nothing to compare.</p>;
  return (
    <div className="table-scroll">
      <table className="diff">
        <caption className="visually-hidden">Field-by-field difference against {baseLabel}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Change</th>
            <th scope="col">{baseLabel}</th>
            <th scope="col">Proposed</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field} data-change={row.change}>
              <th scope="row">{row.label}</th>
              <td>
                <span className={`badge ${CHANGE_TONE[row.change]}`}>{CHANGE_WORDS[row.change]}</span>
              </td>
              {row.field === "clientSecret" ? (
                <td colSpan={2}>A new client secret was given (never shown).</td>
              ) : (
                <>
                  <td className="mono">{row.before ?? "—"}</td>
                  <td className="mono">{row.after ?? "—"}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
