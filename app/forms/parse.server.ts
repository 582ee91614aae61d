import { data } from "@remix-run/node";
import type { z } from "zod";
import { INTENT_FIELD, type ActionResult, type FieldErrorsWire } from "./action-result";

/**
 * Reading a form in an action: the request's fields, which form sent them (`intent`), and either
 * the values its zod schema makes of them or the 400 answer in the one wire format
 * (action-result.ts). The same schema checks the form in the browser (useSchemaForm), so the
 * two cannot disagree; this side is the one that counts.
 */

/** A submitted form: which one (its `intent`) and its fields as sent. */
export interface Submission {
  intent: string;
  fields: Record<string, string>;
}

/** The names of fields whose values are never sent back to the browser (ADR 010). */
const SECRET_FIELD = /secret|password|token|private/i;

/** The form fields of a POST (files are not accepted here; their field reads as empty). */
export async function readSubmission(request: Request): Promise<Submission> {
  const form = await request.formData();
  const fields: Record<string, string> = {};
  for (const [name, value] of form) if (!(name in fields)) fields[name] = typeof value === "string" ? value : "";
  const { [INTENT_FIELD]: intent = "", ...rest } = fields;
  return { intent, fields: rest };
}

/** A 400 refusal of the submitted form, with a message and per-field errors. */
export function refuse(submission: Submission, message: string, fieldErrors: Record<string, string> = {}) {
  const errors: FieldErrorsWire = {};
  for (const [name, text] of Object.entries(fieldErrors)) errors[name] = { type: "server", message: text };
  const defaultValues: Record<string, string> = {};
  for (const [name, value] of Object.entries(submission.fields))
    if (!SECRET_FIELD.test(name)) defaultValues[name] = value;
  return data<ActionResult>(
    { ok: false, intent: submission.intent, message, errors, defaultValues },
    { status: 400, headers: { "Cache-Control": "no-store" } },
  );
}

/** The first message per field of a failed parse, keyed by the field's dotted path. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[issue.path.join(".") || "form"] ??= issue.message;
  return out;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reply: ReturnType<typeof refuse> };

/** The submission through its schema: the typed value, or the 400 answer to return. */
export function parseSubmission<S extends z.ZodTypeAny>(
  submission: Submission,
  schema: S,
  message = "Check the highlighted fields.",
): Parsed<z.output<S>> {
  const parsed = schema.safeParse(submission.fields);
  if (parsed.success) return { ok: true, value: parsed.data as z.output<S> };
  return { ok: false, reply: refuse(submission, message, fieldErrorsOf(parsed.error)) };
}

/** The answer to a form no branch of the action knows. */
export function unknownIntent(submission: Submission) {
  return refuse(submission, "This form is not known here. Reload the page and try again.");
}
