import { z } from "zod";

/**
 * The audit and security logs' filters, read from the page's query string (a GET form, so a
 * filtered view is a link that can be shared or bookmarked). A value that does not parse is left
 * out, and said so, rather than failing the page.
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const auditFilterSchema = z.object({
  actor: z.string().min(1).max(400).optional(),
  action: z
    .string()
    .regex(/^[a-z0-9_.]{1,80}$/)
    .optional(),
  from: day.optional(),
  to: day.optional(),
  org: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .optional(),
  after: z
    .string()
    .regex(/^[0-9A-Za-z:._-]{1,60}$/)
    .optional(),
});

export type AuditFilterInput = z.infer<typeof auditFilterSchema>;

const FIELD_WORDS: Record<string, string> = {
  actor: "person",
  action: "action",
  from: "from date",
  to: "to date",
  org: "organization",
  after: "page",
};

export function parseAuditFilter(search: URLSearchParams): { filter: AuditFilterInput; ignored: string[] } {
  const filter: Record<string, string> = {};
  const ignored: string[] = [];
  for (const key of Object.keys(auditFilterSchema.shape) as (keyof typeof auditFilterSchema.shape)[]) {
    const value = search.get(key);
    if (value === null || value === "") continue;
    if (auditFilterSchema.shape[key].safeParse(value).success) filter[key] = value;
    else ignored.push(FIELD_WORDS[key] ?? key);
  }
  return { filter, ignored };
}
