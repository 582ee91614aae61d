/**
 * The gate every XML document passes before any parser sees it: a size cap, decoding (UTF-8 or
 * UTF-16, with or without a byte order mark, or a declared single-byte encoding), and a refusal of
 * any DOCTYPE, ENTITY or other markup declaration. Without a DTD there are no entities to expand
 * (billion laughs) and no external entities to fetch (XXE), whatever the parser behind would do.
 *
 * The scan is one linear pass with `indexOf` (no regular expressions, so no backtracking): the
 * cost of refusing a hostile document is bounded by its size, which is capped first.
 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

export type ScreenResult = { ok: true; text: string } | { ok: false; code: string; message: string; fix: string };

const SINGLE_BYTE_ENCODINGS = new Set(["iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252"]);

function refuse(code: string, message: string, fix: string): ScreenResult {
  return { ok: false, code, message, fix };
}

const tooLarge = (size: number) =>
  refuse(
    "DOCUMENT_TOO_LARGE",
    `The document is ${size.toLocaleString("en")} bytes; the limit is ${MAX_DOCUMENT_BYTES.toLocaleString("en")} bytes (1 MB).`,
    "Upload the metadata of your identity provider alone, not an aggregate of a whole federation.",
  );

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The encoding named by the XML declaration, read from ASCII-compatible bytes. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 200)));
  if (!head.startsWith("<?xml")) return undefined;
  const end = head.indexOf("?>");
  const decl = end > 0 ? head.slice(0, end) : head;
  const at = decl.indexOf("encoding");
  if (at < 0) return undefined;
  const rest = decl.slice(at + 8).trimStart();
  if (!rest.startsWith("=")) return undefined;
  const value = rest.slice(1).trimStart();
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return undefined;
  const close = value.indexOf(quote, 1);
  return close > 0 ? value.slice(1, close).toLowerCase() : undefined;
}

function decode(bytes: Uint8Array): ScreenResult {
  const [b0, b1, b2, b3] = bytes;
  try {
    if ((b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) || (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0)) {
      return refuse(
        "XML_ENCODING_UNSUPPORTED",
        "The document is encoded in UTF-32, which is not accepted.",
        "Save the metadata as UTF-8 and upload it again.",
      );
    }
    if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return decodeWith("utf-8", bytes.subarray(3));
    if (b0 === 0xff && b1 === 0xfe) return decodeWith("utf-16le", bytes.subarray(2));
    if (b0 === 0xfe && b1 === 0xff) return decodeWith("utf-16be", bytes.subarray(2));
    // UTF-16 without a byte order mark: ASCII markup leaves every other byte zero.
    if (bytes.length >= 2 && b0 !== 0 && b1 === 0) return decodeWith("utf-16le", bytes);
    if (bytes.length >= 2 && b0 === 0 && b1 !== 0) return decodeWith("utf-16be", bytes);
    const declared = declaredEncoding(bytes);
    if (declared === undefined || declared === "utf-8" || declared === "utf8") return decodeWith("utf-8", bytes);
    if (SINGLE_BYTE_ENCODINGS.has(declared)) return decodeWith("windows-1252", bytes);
    if (declared === "utf-16") return decodeWith("utf-8", bytes); // declared UTF-16 but stored as 8-bit: read as UTF-8
    return refuse(
      "XML_ENCODING_UNSUPPORTED",
      `The document declares the encoding "${declared.slice(0, 40)}", which is not accepted.`,
      "Save the metadata as UTF-8 and upload it again.",
    );
  } catch {
    return refuse(
      "XML_ENCODING_INVALID",
      "The document is not valid text in its encoding (UTF-8 unless it says otherwise).",
      "Download the metadata again from your identity provider and upload the file unchanged.",
    );
  }
}

function decodeWith(encoding: string, bytes: Uint8Array): ScreenResult {
  return { ok: true, text: new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes) };
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Size cap, decoding and the DTD refusal. Returns the text a parser may read. */
export function screenXml(input: Uint8Array | string): ScreenResult {
  let text: string;
  if (typeof input === "string") {
    if (
      input.length > MAX_DOCUMENT_BYTES ||
      (input.length * 3 > MAX_DOCUMENT_BYTES && utf8Length(input) > MAX_DOCUMENT_BYTES)
    ) {
      return tooLarge(utf8Length(input));
    }
    text = input;
  } else {
    if (input.byteLength > MAX_DOCUMENT_BYTES) return tooLarge(input.byteLength);
    const decoded = decode(input);
    if (!decoded.ok) return decoded;
    text = decoded.text;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return scanMarkup(text);
}

function scanMarkup(text: string): ScreenResult {
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  if (start === text.length) {
    return refuse(
      "EMPTY_DOCUMENT",
      "The document is empty.",
      "Upload the metadata file your identity provider gives you (it starts with <EntityDescriptor or <?xml).",
    );
  }
  if (text.indexOf("\u0000") >= 0) {
    return refuse(
      "XML_MALFORMED",
      "The document contains NUL characters: it is binary or in an encoding it does not declare.",
      "Upload the metadata as the XML text file your identity provider gives you.",
    );
  }
  const malformed = (what: string) =>
    refuse(
      "XML_MALFORMED",
      `The document is not well-formed XML: ${what}.`,
      "Download the metadata again from your identity provider and upload the file unchanged.",
    );
  let i = 0;
  for (;;) {
    i = text.indexOf("<", i);
    if (i < 0) break;
    const next = text.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith("!--", i + 1)) {
        const end = text.indexOf("-->", i + 4);
        if (end < 0) return malformed("a comment is never closed");
        i = end + 3;
        continue;
      }
      if (text.startsWith("![CDATA[", i + 1)) {
        const end = text.indexOf("]]>", i + 9);
        if (end < 0) return malformed("a CDATA section is never closed");
        i = end + 3;
        continue;
      }
      const word = text.slice(i + 2, i + 10).split(/[\s[>]/, 1)[0] ?? "";
      return refuse(
        "XML_DTD_FORBIDDEN",
        `The document contains a <!${word.slice(0, 8)} declaration. Document type and entity declarations are refused: they are how XML documents attack parsers (entity expansion, external entities), and SAML metadata never needs them.`,
        "Upload the metadata exactly as your identity provider publishes it; real IdP metadata has no DOCTYPE.",
      );
    }
    if (next === 0x3f /* ? */) {
      if (text.startsWith("?xml", i + 1)) {
        const after = text.charCodeAt(i + 5);
        if ((isSpace(after) || after === 0x3f) && i !== start) {
          return malformed("the XML declaration (<?xml …?>) must be the very first thing in the file");
        }
      }
      const end = text.indexOf("?>", i + 2);
      if (end < 0) return malformed("a processing instruction is never closed");
      i = end + 2;
      continue;
    }
    i++;
  }
  // Leading blank lines (a pasted document) are dropped so that a declaration stays first.
  return { ok: true, text: start ? text.slice(start) : text };
}
