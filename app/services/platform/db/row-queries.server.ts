import { sql, type Kysely, type Selectable } from "kysely";
import type { Database } from "./schema";
import type { Executor } from "../db.server";

/**
 * Query shapes several tables share: an organization's own rows (newest first, or one by id, never
 * another organization's) and rows counted by status. The table is a parameter; the scoping is not.
 */

/** Tables whose rows belong to one organization and have an id. */
type OrganizationTable = {
  [T in keyof Database]: Database[T] extends { id: unknown; organization_id: unknown } ? T : never;
}[keyof Database];

/** Tables whose rows have a status column. */
type StatusTable = { [T in keyof Database]: Database[T] extends { status: unknown } ? T : never }[keyof Database];

type Row<T extends keyof Database> = Selectable<Database[T]>;

/** The same queries on any of those tables: kysely cannot type a column of a table chosen at run time. */
type AnyOrganizationTable = Kysely<Record<string, { id: string; organization_id: string; status: string }>>;
const untyped = (db: Executor) => db as unknown as AnyOrganizationTable;

/** The organization's newest `limit` rows of `table`, newest first by `newestBy`. */
export async function newestOrganizationRows<T extends OrganizationTable>(
  db: Executor,
  table: T,
  organizationId: string,
  newestBy: keyof Row<T> & string,
  limit: number,
): Promise<Row<T>[]> {
  const rows = await untyped(db)
    .selectFrom(table as string)
    .selectAll()
    .where("organization_id", "=", organizationId)
    .orderBy(newestBy as "id", "desc")
    .limit(limit)
    .execute();
  return rows as Row<T>[];
}

/** The row of `table` with this id if it is the organization's; undefined for another organization's. */
export async function organizationRow<T extends OrganizationTable>(
  db: Executor,
  table: T,
  organizationId: string,
  id: string,
): Promise<Row<T> | undefined> {
  const row = await untyped(db)
    .selectFrom(table as string)
    .selectAll()
    .where("id", "=", id)
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return row as Row<T> | undefined;
}

/** How many rows of `table` are in each status (statuses with none are absent). */
export async function countByStatus(db: Executor, table: StatusTable): Promise<Record<string, number>> {
  const rows = await untyped(db)
    .selectFrom(table as string)
    .select(["status", sql<string>`count(*)`.as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
