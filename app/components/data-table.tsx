import type { ReactNode } from "react";

/**
 * One column of a DataTable: its header (a `th scope="col"`) and what each row shows in it.
 * `rowHeader` makes the cells `th scope="row"` (the column that names the row).
 */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** On every cell of the column (e.g. "mono"). */
  className?: string;
  /** On the header cell. */
  headerClassName?: string;
  rowHeader?: boolean;
}

type RowKey = string | number;

/** Rows with an `id` are keyed by it; others name their key. */
export type KeyOf<Row> = Row extends { id: RowKey }
  ? { rowKey?: (row: Row) => RowKey }
  : { rowKey: (row: Row) => RowKey };

/**
 * The portal's tables: a header row of column headers, one row per item, an optional caption
 * (hidden when only screen readers need it) and, when there are no rows, the page's own sentence
 * instead of an empty table. A column given as `false` or `null` (one only some people may see,
 * e.g. Actions) is left out.
 */
export function DataTable<Row>({
  rows,
  rowKey = (row) => (row as { id: RowKey }).id,
  columns,
  caption,
  hiddenCaption = false,
  empty,
  className,
  scroll = false,
  stackOnNarrow = false,
}: KeyOf<Row> & {
  rows: readonly Row[];
  columns: readonly (Column<Row> | false | null)[];
  caption?: ReactNode;
  hiddenCaption?: boolean;
  /** Shown (as the empty state) instead of the table when there are no rows; without it an empty table shows. */
  empty?: ReactNode;
  className?: string;
  /** Scrolls sideways inside its own box on narrow screens. */
  scroll?: boolean;
  /** On narrow screens each row becomes a block, each cell labelled with its column's header. */
  stackOnNarrow?: boolean;
}) {
  if (rows.length === 0 && empty !== undefined) return <p className="empty-state">{empty}</p>;
  const shown = columns.filter((c): c is Column<Row> => Boolean(c));
  const tableClass = [className, stackOnNarrow ? "stack-on-narrow" : null].filter(Boolean).join(" ") || undefined;
  const table = (
    <table className={tableClass}>
      {caption !== undefined ? (
        <caption className={hiddenCaption ? "visually-hidden" : undefined}>{caption}</caption>
      ) : null}
      <thead>
        <tr>
          {shown.map((c) => (
            <th key={c.header} scope="col" className={c.headerClassName}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {shown.map((c) =>
              c.rowHeader ? (
                <th key={c.header} scope="row" className={c.className}>
                  {c.cell(row)}
                </th>
              ) : (
                <td key={c.header} className={c.className} data-label={stackOnNarrow ? c.header : undefined}>
                  {c.cell(row)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return scroll ? <div className="table-scroll">{table}</div> : table;
}
