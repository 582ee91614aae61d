import type { DocumentKind } from "./report";

/**
 * Guesses what a document is from its first bytes: `{` is JSON (a JWKS when it has a `keys`
 * array, otherwise a discovery document), `<` (or UTF-16 text) is XML (SAML metadata).
 */
export function detectKind(input: Uint8Array | string, nameHint = ""): DocumentKind | null {
  const bytes = typeof input === "string" ? undefined : input;
  let head = typeof input === "string" ? input.slice(0, 4096) : "";
  if (bytes) {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return "saml-metadata";
    if (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) return "saml-metadata";
    head = new TextDecoder("utf-8").decode(bytes.subarray(0, 4096));
  }
  const text = head.replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("<")) return "saml-metadata";
  if (text.startsWith("{")) {
    const whole = typeof input === "string" ? input : new TextDecoder("utf-8").decode(input);
    try {
      const value = JSON.parse(whole.replace(/^\uFEFF/, "")) as unknown;
      if (value && typeof value === "object" && Array.isArray((value as { keys?: unknown }).keys)) return "jwks";
    } catch {
      // Malformed JSON: the discovery validator says so.
    }
    return "oidc-discovery";
  }
  if (text === "") {
    if (/\.xml$/i.test(nameHint)) return "saml-metadata";
    if (/jwks/i.test(nameHint)) return "jwks";
    if (/\.json$/i.test(nameHint)) return "oidc-discovery";
  }
  return null;
}
