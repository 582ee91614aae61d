/**
 * The one wire format of a form action's answer, shared by the action (which builds it) and the
 * form components (which read it through useActionData). A successful submission normally does
 * not answer with data at all: it redirects with a flash message (POST-redirect-GET, see
 * flash.server.ts). What comes back as action data is a refusal:
 *
 * - `intent`: which form on the page was refused (a page may hold several);
 * - `message`: one sentence for the whole form, announced as an alert;
 * - `errors`: per field (react-hook-form's FieldErrors shape, so remix-hook-form shows them
 *   beside the fields with no translation), keyed by the field's name (`a.b` for nested ones);
 * - `defaultValues`: what was sent, so nothing typed is lost — never a secret (parse.server.ts
 *   leaves those out).
 *
 * `ok: true` is for the rare answer that cannot be a redirect (a fetcher that tests something).
 */
export type FieldErrorsWire = Record<string, { type: "server"; message: string }>;

export type ActionResult =
  | { ok: true; intent: string; message: string }
  | {
      ok: false;
      intent: string;
      message: string;
      errors: FieldErrorsWire;
      defaultValues: Record<string, string>;
    };

/** A refusal of the form named by `intent`, from anything that looks like action data. */
export function refusalFor(result: unknown, intent: string): Extract<ActionResult, { ok: false }> | undefined {
  if (!result || typeof result !== "object") return undefined;
  const r = result as Partial<ActionResult>;
  return r.ok === false && r.intent === intent ? (r as Extract<ActionResult, { ok: false }>) : undefined;
}

/** The field of a form named by the `intent` hidden input: one name for every form. */
export const INTENT_FIELD = "intent";
