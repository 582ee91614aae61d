import { createHash, X509Certificate } from "node:crypto";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { ApiError } from "./errors.js";

/**
 * What Auth0 does on a samlp write: `metadataXml` / `metadataUrl` are parsed into
 * signInEndpoint, signOutEndpoint, signingCert, signSAMLRequest and protocolBinding; the XML is
 * dropped (never stored); `thumbprints` are the SHA-1 fingerprints of the signing certificate.
 */

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
export const HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
export const HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/** Auth0's documented cap on fetched metadata documents. */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 5_000;

export interface DerivedSamlOptions {
  signInEndpoint: string;
  signOutEndpoint?: string;
  signingCert?: string;
  signSAMLRequest: boolean;
  protocolBinding: string;
}

function metadataError(reason: string): ApiError {
  return new ApiError(400, `Unable to parse SAML metadata: ${reason}`, "invalid_body");
}

function children(parent: Element, ns: string, local: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(ns, local));
}

/** Redirect first (Auth0's default request binding), then POST; other bindings are unusable. */
function pickEndpoint(services: Element[]): { location: string; binding: string } | undefined {
  for (const binding of [HTTP_REDIRECT, HTTP_POST]) {
    const s = services.find((e) => e.getAttribute("Binding") === binding && e.getAttribute("Location"));
    if (s) return { location: s.getAttribute("Location")!, binding };
  }
  return undefined;
}

export function parseIdpMetadata(xml: string): DerivedSamlOptions {
  // Entity expansion is how metadata documents attack parsers; Auth0 refuses DTDs outright.
  if (/<!DOCTYPE/i.test(xml)) throw metadataError("DOCTYPE is not allowed");
  const errors: string[] = [];
  let doc: ReturnType<DOMParser["parseFromString"]>;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") errors.push(msg);
      },
    }).parseFromString(xml, "text/xml");
  } catch (err) {
    // xmldom throws on fatal errors (e.g. no root element) instead of reporting them.
    throw metadataError((err as Error).message.split("\n")[0] ?? "not well-formed XML");
  }
  if (errors.length || !doc.documentElement) throw metadataError(errors[0] ?? "not well-formed XML");
  const idps = Array.from(doc.getElementsByTagNameNS(MD, "IDPSSODescriptor"));
  const idp = idps[0];
  if (!idp) throw metadataError("no IDPSSODescriptor found");
  const sso = pickEndpoint(children(idp, MD, "SingleSignOnService"));
  if (!sso) throw metadataError("no SingleSignOnService with an HTTP-Redirect or HTTP-POST binding");
  const slo = pickEndpoint(children(idp, MD, "SingleLogoutService"));
  const keys = children(idp, MD, "KeyDescriptor");
  const signingKey = keys.find((k) => k.getAttribute("use") === "signing") ?? keys.find((k) => !k.getAttribute("use"));
  const certText = signingKey ? children(signingKey, DS, "X509Certificate")[0]?.textContent : undefined;
  const signingCert = certText ? certText.replace(/\s+/g, "") : undefined;
  if (signingCert) certificateDer(signingCert); // refuse unparsable certificates early
  return {
    signInEndpoint: sso.location,
    ...(slo ? { signOutEndpoint: slo.location } : {}),
    ...(signingCert ? { signingCert } : {}),
    signSAMLRequest: idp.getAttribute("WantAuthnRequestsSigned") === "true",
    protocolBinding: sso.binding,
  };
}

/**
 * `signingCert` arrives either as base64 DER (what metadata holds) or as base64 of a PEM/CER
 * file (what Auth0's docs tell API users to send: `cat cert.crt | base64`). Both are accepted.
 */
export function certificateDer(signingCert: string): Buffer {
  return parseCertificate(signingCert).der;
}

/** The DER as sent and the certificate parsed from it, in one parse (a SAML login needs both). */
export function parseCertificate(signingCert: string): { der: Buffer; cert: X509Certificate } {
  const decoded = Buffer.from(signingCert, "base64");
  const text = decoded.toString("latin1");
  let der = decoded;
  if (text.includes("-----BEGIN CERTIFICATE-----")) {
    const b64 = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text)?.[1] ?? "";
    der = Buffer.from(b64.replace(/\s+/g, ""), "base64");
  }
  try {
    return { der, cert: new X509Certificate(der) };
  } catch {
    throw new ApiError(
      400,
      "Payload validation error: 'Invalid certificate' on property options.signingCert.",
      "invalid_body",
    );
  }
}

export function sha1Thumbprint(signingCert: string): string {
  return createHash("sha1").update(certificateDer(signingCert)).digest("hex");
}

export type MetadataFetcher = (url: string) => Promise<string>;

/** Fetches metadata once, as Auth0 does: http(s) only, short timeout, 4 MB cap. */
export const fetchMetadata: MetadataFetcher = async (url) => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApiError(400, "Payload validation error: 'Invalid URL' on property options.metadataUrl.", "invalid_body");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ApiError(
      400,
      "Payload validation error: 'Only http and https URLs are allowed' on property options.metadataUrl.",
      "invalid_body",
    );
  }
  let res: globalThis.Response;
  try {
    res = await fetch(parsed, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
  } catch (err) {
    throw new ApiError(400, `Unable to fetch SAML metadata from ${url}: ${(err as Error).message}`, "invalid_body");
  }
  if (!res.ok) throw new ApiError(400, `Unable to fetch SAML metadata from ${url}: HTTP ${res.status}`, "invalid_body");
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_METADATA_BYTES) {
      await reader.cancel();
      throw new ApiError(400, "SAML metadata document exceeded the maximum allowed size of 4 MB", "invalid_body");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
};

/**
 * Applies Auth0's derive-on-write to a samlp `options` object. Values from the metadata win over
 * keys set beside it (Terraform docs: "Values within the xml will take precedence").
 */
export async function deriveSamlOptions(
  options: Record<string, unknown>,
  fetcher: MetadataFetcher = fetchMetadata,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...options };
  const xml = typeof out.metadataXml === "string" ? out.metadataXml : undefined;
  const url = typeof out.metadataUrl === "string" ? out.metadataUrl : undefined;
  delete out.metadataXml;
  if (xml !== undefined) Object.assign(out, parseIdpMetadata(xml));
  else if (url !== undefined) Object.assign(out, parseIdpMetadata(await fetcher(url)));
  if (typeof out.signingCert === "string" && out.signingCert) {
    out.thumbprints = [sha1Thumbprint(out.signingCert)];
  }
  return out;
}
