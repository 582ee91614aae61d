import { X509Certificate } from "node:crypto";
import type { CertificateFacts } from "./report";

/**
 * Certificate facts through node:crypto's X509Certificate. The signature algorithm is read from
 * the DER (Node 20 does not expose it): Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, … }.
 */
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
};

const DAY_MS = 86_400_000;

export type CertificateResult = { ok: true; facts: CertificateFacts } | { ok: false; reason: string };

/** Strips whitespace (metadata wraps and indents base64) and PEM armour. */
export function normalizeBase64Certificate(text: string): string {
  let body = text;
  const begin = body.indexOf("-----BEGIN CERTIFICATE-----");
  if (begin >= 0) {
    const end = body.indexOf("-----END CERTIFICATE-----", begin);
    body = body.slice(begin + 27, end < 0 ? undefined : end);
  }
  return body.replace(/\s+/g, "");
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function describeCertificate(base64Text: string, use: CertificateFacts["use"], now: Date): CertificateResult {
  const base64 = normalizeBase64Certificate(base64Text);
  if (!base64) return { ok: false, reason: "the certificate element is empty" };
  if (!BASE64.test(base64) || base64.length % 4 !== 0)
    return { ok: false, reason: "the certificate is not valid base64" };
  const der = Buffer.from(base64, "base64");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return { ok: false, reason: "the base64 does not hold a DER X.509 certificate" };
  }
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = (key.asymmetricKeyType ?? "unknown").toUpperCase().replace("RSA-PSS", "RSA-PSS");
  const facts: CertificateFacts = {
    use,
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    selfSigned: cert.subject === cert.issuer,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    expired: notAfter.getTime() < now.getTime(),
    keyType: keyType === "EC" ? "EC" : keyType,
    ...(details.modulusLength ? { keySize: details.modulusLength } : {}),
    ...(details.namedCurve ? { curve: details.namedCurve } : {}),
    signatureAlgorithm: signatureAlgorithmOf(der),
    fingerprintSha256: cert.fingerprint256,
    fingerprintSha1: cert.fingerprint,
    base64,
  };
  return { ok: true, facts };
}

function oneLine(dn: string): string {
  return dn.split("\n").filter(Boolean).join(", ");
}

/** base64 of the PEM file: what Auth0's `signingCert` takes. */
export function auth0SigningCert(base64Der: string): string {
  const lines = base64Der.match(/.{1,64}/g) ?? [];
  const pem = `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
  return Buffer.from(pem, "utf8").toString("base64");
}

export function isWeakSignatureAlgorithm(name: string): boolean {
  return /sha1|md5/i.test(name);
}

function signatureAlgorithmOf(der: Buffer): string {
  try {
    let pos = 0;
    const header = (): { tag: number; length: number; start: number } => {
      const tag = der[pos++]!;
      let length = der[pos++]!;
      if (length & 0x80) {
        const n = length & 0x7f;
        length = 0;
        for (let i = 0; i < n; i++) length = length * 256 + der[pos++]!;
      }
      return { tag, length, start: pos };
    };
    header(); // Certificate SEQUENCE
    const tbs = header();
    pos = tbs.start + tbs.length;
    header(); // AlgorithmIdentifier SEQUENCE
    const oid = header();
    if (oid.tag !== 0x06) return "unknown";
    const bytes = der.subarray(oid.start, oid.start + oid.length);
    const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
    let value = 0;
    for (let i = 1; i < bytes.length; i++) {
      value = value * 128 + (bytes[i]! & 0x7f);
      if (!(bytes[i]! & 0x80)) {
        parts.push(value);
        value = 0;
      }
    }
    const dotted = parts.join(".");
    return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
  } catch {
    return "unknown";
  }
}
