import { describe, expect, it } from "vitest";
import { MAX_DOCUMENT_BYTES, screenXml } from "./xml-safety";

const DTD = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>';
const OK =
  '<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"/>';

function utf16(text: string, endian: "le" | "be", bom: boolean): Uint8Array {
  const le = Buffer.from(text, "utf16le");
  const body = endian === "le" ? le : Buffer.from(le.map((_, i) => le[i % 2 === 0 ? i + 1 : i - 1]!));
  const mark = endian === "le" ? [0xff, 0xfe] : [0xfe, 0xff];
  return bom ? Buffer.concat([Buffer.from(mark), body]) : body;
}

const code = (r: ReturnType<typeof screenXml>) => (r.ok ? "ok" : r.code);

describe("screenXml: the gate before any parser", () => {
  it("refuses DOCTYPE and ENTITY declarations in UTF-8, with or without a BOM", () => {
    expect(code(screenXml(Buffer.from(DTD)))).toBe("XML_DTD_FORBIDDEN");
    expect(code(screenXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(DTD)])))).toBe(
      "XML_DTD_FORBIDDEN",
    );
    expect(code(screenXml(DTD))).toBe("XML_DTD_FORBIDDEN");
    expect(code(screenXml('<x><!ENTITY e "x"></x>'))).toBe("XML_DTD_FORBIDDEN");
    expect(code(screenXml("<!doctype x><x/>"))).toBe("XML_DTD_FORBIDDEN");
  });

  it.each([
    ["UTF-16LE with BOM", "le", true],
    ["UTF-16LE without BOM", "le", false],
    ["UTF-16BE with BOM", "be", true],
    ["UTF-16BE without BOM", "be", false],
  ] as const)("decodes %s: refuses a DTD in it and reads clean metadata", (_name, endian, bom) => {
    expect(code(screenXml(utf16(DTD, endian, bom)))).toBe("XML_DTD_FORBIDDEN");
    const clean = screenXml(utf16(OK, endian, bom));
    expect(clean.ok && clean.text).toBe(OK);
  });

  it("tolerates a UTF-8 BOM, comments and CDATA that merely mention <!DOCTYPE", () => {
    const withBom = screenXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(OK)]));
    expect(withBom.ok && withBom.text).toBe(OK);
    expect(code(screenXml("<!-- <!DOCTYPE x> --><x><![CDATA[<!ENTITY y>]]></x>"))).toBe("ok");
  });

  it("refuses UTF-32, invalid UTF-8 and undeclared encodings it cannot read", () => {
    expect(code(screenXml(new Uint8Array([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0])))).toBe("XML_ENCODING_UNSUPPORTED");
    expect(code(screenXml(new Uint8Array([0x3c, 0x78, 0xff, 0xfe, 0x3e])))).toBe("XML_ENCODING_INVALID");
    expect(code(screenXml(Buffer.from('<?xml version="1.0" encoding="EBCDIC-CP-US"?><x/>')))).toBe(
      "XML_ENCODING_UNSUPPORTED",
    );
    const latin1 = screenXml(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><x>caf\xe9</x>', "latin1"));
    expect(latin1.ok && latin1.text).toContain("café");
  });

  it("caps the size at 1 MB before decoding", () => {
    const big = new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(0x20);
    expect(code(screenXml(big))).toBe("DOCUMENT_TOO_LARGE");
    expect(code(screenXml("é".repeat(MAX_DOCUMENT_BYTES / 2 + 1)))).toBe("DOCUMENT_TOO_LARGE");
    expect(code(screenXml(`<x>${" ".repeat(MAX_DOCUMENT_BYTES - 10)}</x>`))).toBe("ok");
  });

  it("refuses empty documents, NUL bytes, unclosed comments and a misplaced XML declaration", () => {
    expect(code(screenXml(""))).toBe("EMPTY_DOCUMENT");
    expect(code(screenXml(" \n\t "))).toBe("EMPTY_DOCUMENT");
    expect(code(screenXml("<x>\u0000</x>"))).toBe("XML_MALFORMED");
    expect(code(screenXml("<x><!-- never closed</x>"))).toBe("XML_MALFORMED");
    expect(code(screenXml('<!-- c --><?xml version="1.0"?><x/>'))).toBe("XML_MALFORMED");
    const pasted = screenXml(`\n\n  ${OK}`);
    expect(pasted.ok && pasted.text).toBe(OK);
  });

  it("refuses pathological input (its time is measured by `npm run bench:validate`)", () => {
    const nasty = "<!--".repeat(100_000) + "<x>" + "<?".repeat(100_000);
    expect(code(screenXml(nasty))).toBe("XML_MALFORMED");
  });
});
