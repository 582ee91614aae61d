import { DOMParser, type Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { normalizeBase64Certificate } from "./certificates";
import { NS } from "./xml-tree";

/**
 * Verifies the enveloped XML signature of a metadata document with xml-crypto. Only a Signature
 * that is a direct child of the root and whose single Reference points at the root (by its ID, or
 * the whole document) counts: a signature over some other element (signature wrapping) does not
 * vouch for what we read. Returns the signer certificate so the caller can tell whether it is
 * trusted (pinned) or merely the one the document carries about itself.
 */
export interface SignatureCheck {
  signed: boolean;
  valid?: boolean;
  reason?: string;
  algorithm?: string;
  digestAlgorithm?: string;
  /** base64 DER of the certificate that verified the signature. */
  signerBase64?: string;
}

function elementChildren(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local)
      out.push(n as Element);
  }
  return out;
}

function descendant(el: Element, path: string[]): Element | undefined {
  let cur: Element | undefined = el;
  for (const local of path) {
    cur = cur ? elementChildren(cur, NS.ds, local)[0] : undefined;
  }
  return cur;
}

function pem(base64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${(base64.match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;
}

export function verifyEnvelopedSignature(text: string, trustedCertificates: string[] = []): SignatureCheck {
  const errors: string[] = [];
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") errors.push(msg);
      },
    }).parseFromString(text, "text/xml");
    root = doc.documentElement;
  } catch (err) {
    return {
      signed: true,
      valid: false,
      reason: `the document could not be read for signature checking (${(err as Error).message.split("\n")[0]})`,
    };
  }
  if (!root || errors.length)
    return { signed: true, valid: false, reason: "the document could not be read for signature checking" };
  const signatures = elementChildren(root, NS.ds, "Signature");
  if (signatures.length === 0) return { signed: false };
  if (signatures.length > 1)
    return { signed: true, valid: false, reason: "the root element carries more than one signature" };
  const signature = signatures[0]!;
  const signedInfo = descendant(signature, ["SignedInfo"]);
  const algorithm = signedInfo && elementChildren(signedInfo, NS.ds, "SignatureMethod")[0]?.getAttribute("Algorithm");
  const references = signedInfo ? elementChildren(signedInfo, NS.ds, "Reference") : [];
  const digestAlgorithm =
    references[0] && elementChildren(references[0], NS.ds, "DigestMethod")[0]?.getAttribute("Algorithm");
  const base = {
    signed: true,
    ...(algorithm ? { algorithm } : {}),
    ...(digestAlgorithm ? { digestAlgorithm } : {}),
  };
  if (references.length !== 1)
    return { ...base, valid: false, reason: "the signature must have exactly one reference, to the whole document" };
  const uri = references[0]!.getAttribute("URI") ?? "";
  const rootId = root.getAttribute("ID") ?? root.getAttribute("Id") ?? root.getAttribute("id");
  if (uri !== "" && uri !== `#${rootId}`) {
    return {
      ...base,
      valid: false,
      reason: `the signature covers "${uri.slice(0, 80)}", not the metadata root element`,
    };
  }
  const embedded = descendant(signature, ["KeyInfo", "X509Data", "X509Certificate"])?.textContent;
  const candidates = [...trustedCertificates.map(normalizeBase64Certificate)];
  if (embedded) candidates.push(normalizeBase64Certificate(embedded));
  if (candidates.length === 0) {
    return {
      ...base,
      valid: false,
      reason: "the signature carries no certificate and no trusted certificate was given to check it",
    };
  }
  let lastReason = "the signature does not match the document (it was changed after signing, or signed by another key)";
  for (const candidate of candidates) {
    try {
      const sig = new SignedXml({ publicCert: pem(candidate), getCertFromKeyInfo: () => null });
      sig.loadSignature(signature as unknown as Node);
      if (sig.checkSignature(text)) return { ...base, valid: true, signerBase64: candidate };
    } catch (err) {
      lastReason = `the signature could not be verified: ${(err as Error).message.split("\n")[0]?.slice(0, 160)}`;
    }
  }
  return { ...base, valid: false, reason: lastReason };
}
