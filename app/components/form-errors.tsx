import type { z } from "zod";

/** The first message per field of a failed parse, for `fieldErrors` in an action's answer. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[String(issue.path[0])] ??= issue.message;
  return out;
}

/** A field's error under it; the field points at it with aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="field-error">
      {message}
    </p>
  ) : null;
}

/** aria-invalid and aria-describedby for a field that may have an error (and may have a hint). */
export function describedBy(message: string | undefined, errorId: string, hintId?: string) {
  return { "aria-invalid": !!message, "aria-describedby": message ? errorId : hintId };
}

/** An action's outcome, announced: a status when it worked, an alert when it did not. */
export function ActionNotice({ result }: { result: { ok: boolean; message: string } | undefined }) {
  return result ? (
    <p className={`notice ${result.ok ? "ok" : "error"}`} role={result.ok ? "status" : "alert"}>
      {result.message}
    </p>
  ) : null;
}
