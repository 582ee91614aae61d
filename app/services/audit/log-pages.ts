/**
 * What the audit log and the security log share as pages: the page size a caller may ask for, the
 * days of a filter as instants, and the read of one page (a row more than the page, to know
 * whether another page follows).
 */

/** The size asked for, kept within 1…max; `fallback` when none is asked. */
export function pageSize(asked: number | undefined, sizes: { fallback: number; max: number }): number {
  return Math.min(Math.max(asked ?? sizes.fallback, 1), sizes.max);
}

/** The first instant of a UTC day given as YYYY-MM-DD. */
export function startOfDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/** The first instant after a UTC day given as YYYY-MM-DD (a filter's inclusive "to"). */
export function endOfDay(day: string): Date {
  return new Date(startOfDay(day).getTime() + 24 * 3_600_000);
}

/** A page of an ordered query: its first `size` rows, and whether more follow. */
export async function readPage<R>(
  query: { limit(n: number): { execute(): Promise<R[]> } },
  size: number,
): Promise<{ rows: R[]; more: boolean }> {
  const found = await query.limit(size + 1).execute();
  return { rows: found.slice(0, size), more: found.length > size };
}
