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

type Xml2jsNode = { [name: string]: unknown };

/**
 * xml2js in its plain mode (no `xmlns`, no `explicitChildren`: both cost more than the parse
 * itself) with collision-free keys ('#' cannot start an XML name); prefixes are resolved here
 * against the in-scope `xmlns` declarations, which is all `xmlns: true` would do.
 */
const PARSER_OPTIONS = {
  attrkey: "#attrs",
  charkey: "#text",
  explicitCharkey: true,
  explicitArray: true,
  explicitRoot: true,
  emptyTag: () => ({}),
  strict: true,
  async: false,
} as const;

export type ParseResult = { ok: true; root: XmlElement } | { ok: false; message: string };

const XML_NS = "http://www.w3.org/XML/1998/namespace";

class UnboundPrefix extends Error {}

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
  const rootName = result && typeof result === "object" ? Object.keys(result)[0] : undefined;
  const top = rootName !== undefined ? (result![rootName] as Xml2jsNode | string) : undefined;
  if (failure === undefined && (rootName === undefined || top === undefined)) failure = "no root element";
  if (failure !== undefined) {
    const msg = failure.split("\n");
    const line = msg.find((l) => l.startsWith("Line:"));
    return { ok: false, message: `${msg[0]}${line ? ` (${line.replace("Line: ", "line ").trim()})` : ""}` };
  }
  try {
    return { ok: true, root: convert(rootName!, typeof top === "object" && top ? top : { "#text": String(top) }) };
  } catch (err) {
    if (err instanceof UnboundPrefix) return { ok: false, message: err.message };
    throw err;
  }
}

type Scope = Map<string, string>;

function isElementObject(v: unknown): v is Xml2jsNode {
  return typeof v === "object" && v !== null && !Array.isArray(v) && v !== Object.prototype;
}

/** Iterative, so a deeply nested hostile document cannot exhaust the call stack. */
function convert(rootName: string, top: Xml2jsNode): XmlElement {
  const make = (qname: string, node: Xml2jsNode, parentScope: Scope): [XmlElement, Scope] => {
    const raw = isElementObject(node["#attrs"]) ? (node["#attrs"] as Record<string, string>) : undefined;
    let scope = parentScope;
    if (raw) {
      for (const name of Object.keys(raw)) {
        if (name === "xmlns" || name.startsWith("xmlns:")) {
          if (scope === parentScope) scope = new Map(parentScope);
          scope.set(name === "xmlns" ? "" : name.slice(6), String(raw[name]));
        }
      }
    }
    const resolve = (prefix: string, isAttr: boolean): string => {
      if (prefix === "xml") return XML_NS;
      if (isAttr && prefix === "") return "";
      const uri = scope.get(prefix);
      if (uri === undefined) {
        if (prefix === "") return "";
        throw new UnboundPrefix(`Unbound namespace prefix: "${prefix.slice(0, 40)}"`);
      }
      return uri;
    };
    const colon = qname.indexOf(":");
    const el: XmlElement = {
      ns: resolve(colon < 0 ? "" : qname.slice(0, colon), false),
      local: colon < 0 ? qname : qname.slice(colon + 1),
      attrs: {},
      children: [],
      text: typeof node["#text"] === "string" ? node["#text"] : "",
    };
    if (raw) {
      for (const name of Object.keys(raw)) {
        if (name === "xmlns" || name.startsWith("xmlns:")) continue;
        const c = name.indexOf(":");
        if (c < 0) el.attrs[name] = String(raw[name]);
        else el.attrs[`{${resolve(name.slice(0, c), true)}}${name.slice(c + 1)}`] = String(raw[name]);
      }
    }
    return [el, scope];
  };
  const [root, rootScope] = make(rootName, top, new Map());
  const stack: [Xml2jsNode, XmlElement, Scope][] = [[top, root, rootScope]];
  while (stack.length) {
    const [node, el, scope] = stack.pop()!;
    for (const name of Object.keys(node)) {
      if (name === "#attrs" || name === "#text") continue;
      const value = node[name];
      for (const item of Array.isArray(value) ? value : [value]) {
        const child = typeof item === "string" ? { "#text": item } : item;
        if (!isElementObject(child)) continue;
        const [c, childScope] = make(name, child, scope);
        el.children.push(c);
        stack.push([child, c, childScope]);
      }
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
