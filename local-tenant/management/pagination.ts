import type { Request, Response } from "express";
import { z } from "zod";
import { invalidQuery, zodToApiError } from "./errors.js";

/**
 * Auth0 list endpoints answer in one of three shapes, chosen by the query: a bare array, an
 * offset page `{start, limit, total, <key>}` (include_totals=true) or a checkpoint page
 * `{<key>, next?}` (take/from). The SDK's Page iterators depend on the exact shape.
 */

export const queryBool = z.enum(["true", "false"]).transform((v) => v === "true");
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, "Expected type integer but found type string")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export function parseQuery<T extends z.ZodTypeAny>(schema: T, req: Request): z.output<T> {
  const result = schema.safeParse(req.query);
  if (!result.success) throw zodToApiError(result.error, req.query, "query");
  return result.data;
}

/** Checkpoint cursors are opaque to clients: base64url of the last id returned. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, "utf8").toString("base64url");
}

export function decodeCursor(from: string): string {
  const id = Buffer.from(from, "base64url").toString("utf8");
  if (!id || encodeCursor(id) !== from) throw invalidQuery("Invalid checkpoint", "from");
  return id;
}

export function checkpointPage<T>(
  items: T[],
  idOf: (item: T) => string,
  from: string | undefined,
  take: number,
): { page: T[]; next?: string } {
  // Items are sorted by id, so a cursor stays valid when earlier items are deleted.
  const sorted = [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const after = from === undefined ? undefined : decodeCursor(from);
  const start = after === undefined ? 0 : sorted.findIndex((i) => idOf(i) > after);
  const page = start < 0 ? [] : sorted.slice(start, start + take);
  const more = start >= 0 && start + take < sorted.length;
  return more ? { page, next: encodeCursor(idOf(page[page.length - 1]!)) } : { page };
}

export function offsetPage<T>(
  items: T[],
  page: number,
  perPage: number,
): { start: number; limit: number; total: number; page: T[] } {
  const start = page * perPage;
  return { start, limit: perPage, total: items.length, page: items.slice(start, start + perPage) };
}

/** `fields=a,b&include_fields=true|false` projection, as on Auth0's GET endpoints. */
export function project<T extends Record<string, unknown>>(
  obj: T,
  fields: string | undefined,
  includeFields: boolean | undefined,
): Partial<T> {
  if (!fields) return obj;
  const wanted = new Set(
    fields
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean),
  );
  const include = includeFields ?? true;
  return Object.fromEntries(Object.entries(obj).filter(([k]) => wanted.has(k) === include)) as Partial<T>;
}

/** The paging parameters a list query may carry (each endpoint's schema says which it accepts). */
export interface ListQuery {
  page?: number;
  per_page?: number;
  include_totals?: boolean;
  take?: number;
  from?: string;
}

/**
 * Answers a list request in the shape its query asks for: a checkpoint page `{<key>, next?}`
 * with take/from (where the endpoint has them: `idOf`), an offset page with totals, or a bare
 * array — of the offset page, or of the whole list when neither page nor per_page is given and
 * `wholeWhenUnpaged` (as Auth0's clients and connections lists do).
 */
export function sendList<T>(
  res: Response,
  key: string,
  items: T[],
  view: (item: T) => unknown,
  q: ListQuery,
  options: { perPage: number; idOf?: (item: T) => string; wholeWhenUnpaged?: boolean },
): void {
  if (options.idOf && (q.take !== undefined || q.from !== undefined)) {
    const { page, next } = checkpointPage(items, options.idOf, q.from, q.take ?? 50);
    res.json({ [key]: page.map(view), ...(next ? { next } : {}) });
    return;
  }
  const { start, limit, total, page } = offsetPage(items, q.page ?? 0, options.perPage);
  if (q.include_totals) {
    res.json({ start, limit, total, [key]: page.map(view) });
    return;
  }
  const unpaged = q.page === undefined && q.per_page === undefined;
  res.json((options.wholeWhenUnpaged && unpaged ? items : page).map(view));
}
