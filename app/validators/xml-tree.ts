import { Parser } from "xml2js";

/**
 * A namespace-resolved element tree built from xml2js (`xmlns: true`): every element carries the
 * namespace URI its prefix (or default namespace) resolves to, so `<foo:IDPSSODescriptor>` bound
 * to some other namespace is not mistaken for a SAML role, and an unprefixed element under no
 * default namespace is in no namespace at all.
 */
export interface XmlElement {
  ns: string;
  local: string;
  /** Unprefixed attributes by name; namespaced ones as `{uri}local`. */
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export const NS = {
  md: "urn:oasis:names:tc:SAML:2.0:metadata",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
  saml: "urn:oasis:names:tc:SAML:2.0:assertion",
  xmlns: "http://www.w3.org/2000/xmlns/",
} as const;

interface Xml2jsAttr {
  value: string;
  local: string;
  uri: string;
}
interface Xml2jsNode {
  $?: Record<string, Xml2jsAttr>;
  $ns?: { uri: string; local: string };
  $$?: Xml2jsNode[];
  _?: string;
  "#name"?: string;
}

const PARSER_OPTIONS = {
  xmlns: true,
  explicitChildren: true,
  preserveChildrenOrder: true,
  explicitRoot: false,
  strict: true,
  async: false,
} as const;

export type ParseResult = { ok: true; root: XmlElement } | { ok: false; message: string };

/** Parses screened text (see xml-safety.ts): never call it on unscreened input. */
export function parseXml(text: string): ParseResult {
  let result: Xml2jsNode | undefined;
  let failure: string | undefined;
  try {
    new Parser(PARSER_OPTIONS).parseString(text, (err: Error | null, out: Xml2jsNode) => {
      if (err) failure = err.message;
      else result = out;
    });
  } catch (err) {
    failure = (err as Error).message;
  }
  if (failure !== undefined || !result || typeof result !== "object") {
    const msg = (failure ?? "no root element").split("\n");
    const line = msg.find((l) => l.startsWith("Line:"));
    return { ok: false, message: `${msg[0]}${line ? ` (${line.replace("Line: ", "line ").trim()})` : ""}` };
  }
  return { ok: true, root: convert(result) };
}

/** Iterative, so a deeply nested hostile document cannot exhaust the call stack. */
function convert(top: Xml2jsNode): XmlElement {
  const make = (node: Xml2jsNode): XmlElement => {
    const attrs: Record<string, string> = {};
    if (node.$) {
      for (const a of Object.values(node.$)) {
        if (a.uri === NS.xmlns || (a.uri === "" && a.local === "xmlns")) continue;
        attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
      }
    }
    return {
      ns: node.$ns?.uri ?? "",
      local: node.$ns?.local ?? node["#name"] ?? "",
      attrs,
      children: [],
      text: node._ ?? "",
    };
  };
  const root = make(top);
  const stack: [Xml2jsNode, XmlElement][] = [[top, root]];
  while (stack.length) {
    const [node, el] = stack.pop()!;
    for (const child of node.$$ ?? []) {
      if (typeof child !== "object" || child === null) continue;
      const c = make(child);
      el.children.push(c);
      stack.push([child, c]);
    }
  }
  return root;
}

export function childrenOf(el: XmlElement, ns: string, local: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.local === local);
}

export function firstChild(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.ns === ns && c.local === local);
}

/** Descendants in document order (iterative). */
export function descendants(el: XmlElement, ns: string, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const stack = [...el.children].reverse();
  while (stack.length) {
    const e = stack.pop()!;
    if (e.ns === ns && e.local === local) out.push(e);
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return out;
}
