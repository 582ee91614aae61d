import { MAX_DOCUMENT_BYTES } from "./xml-safety";

export type JsonResult =
  { ok: true; value: Record<string, unknown> } | { ok: false; code: string; message: string; fix: string };

/** Size cap, UTF-8 decoding (a BOM tolerated) and JSON.parse into an object. */
export function parseJsonObject(input: Uint8Array | string | Record<string, unknown>, what: string): JsonResult {
  if (typeof input === "object" && !(input instanceof Uint8Array)) return { ok: true, value: input };
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > MAX_DOCUMENT_BYTES) {
    return {
      ok: false,
      code: "DOCUMENT_TOO_LARGE",
      message: `The ${what} is larger than 1 MB.`,
      fix: `Check that the URL points at the ${what}.`,
    };
  }
  let text: string;
  try {
    text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    return {
      ok: false,
      code: "JSON_MALFORMED",
      message: `The ${what} is not UTF-8 text.`,
      fix: `Check that the URL points at the ${what}.`,
    };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text.trim()) {
    return {
      ok: false,
      code: "EMPTY_DOCUMENT",
      message: `The ${what} is empty.`,
      fix: `Check that the URL points at the ${what}.`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      code: "JSON_MALFORMED",
      message: `The ${what} is not valid JSON (${(err as Error).message.slice(0, 120)}).`,
      fix: `Check that the URL points at the ${what} and not at a web page.`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      code: "JSON_NOT_OBJECT",
      message: `The ${what} is not a JSON object.`,
      fix: `Check that the URL points at the ${what}.`,
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
