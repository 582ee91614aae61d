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
  const derFacts = readDer(der);
  const facts: CertificateFacts = {
    use,
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    selfSigned: cert.subject === cert.issuer,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    expired: notAfter.getTime() < now.getTime(),
    keyType: derFacts.keyType,
    ...(derFacts.keySize ? { keySize: derFacts.keySize } : {}),
    ...(derFacts.curve ? { curve: derFacts.curve } : {}),
    signatureAlgorithm: derFacts.signatureAlgorithm,
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

const CURVES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "prime256v1",
  "1.3.132.0.34": "secp384r1",
  "1.3.132.0.35": "secp521r1",
  "1.3.132.0.10": "secp256k1",
};
const KEY_TYPES: Record<string, string> = {
  "1.2.840.113549.1.1.1": "RSA",
  "1.2.840.113549.1.1.10": "RSA-PSS",
  "1.2.840.10045.2.1": "EC",
  "1.3.101.112": "ED25519",
  "1.3.101.113": "ED448",
  "1.2.840.10040.4.1": "DSA",
};

interface DerFacts {
  signatureAlgorithm: string;
  keyType: string;
  keySize?: number;
  curve?: string;
}

/**
 * Reads the signature algorithm and the public key's type and size straight from the DER: much
 * cheaper than X509Certificate#publicKey (a KeyObject per certificate), and Node 20 does not
 * expose the signature algorithm at all.
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 *   TBSCertificate ::= SEQUENCE { [0] version?, serial, signature, issuer, validity, subject,
 *                                 subjectPublicKeyInfo, … }
 */
function readDer(der: Buffer): DerFacts {
  let pos = 0;
  const header = (): { tag: number; length: number; start: number } => {
    const tag = der[pos++]!;
    let length = der[pos++]!;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n > 4) throw new Error("length");
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + der[pos++]!;
    }
    if (pos + length > der.length) throw new Error("truncated");
    return { tag, length, start: pos };
  };
  const skip = () => {
    const h = header();
    pos = h.start + h.length;
  };
  const oid = (): string => {
    const h = header();
    if (h.tag !== 0x06) throw new Error("oid");
    const bytes = der.subarray(h.start, h.start + h.length);
    pos = h.start + h.length;
    const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
    let value = 0;
    for (let i = 1; i < bytes.length; i++) {
      value = value * 128 + (bytes[i]! & 0x7f);
      if (!(bytes[i]! & 0x80)) {
        parts.push(value);
        value = 0;
      }
    }
    return parts.join(".");
  };
  const out: DerFacts = { signatureAlgorithm: "unknown", keyType: "unknown" };
  try {
    header(); // Certificate
    const tbs = header();
    const tbsEnd = tbs.start + tbs.length;
    if (der[pos] === 0xa0) skip(); // version
    skip(); // serialNumber
    skip(); // signature
    skip(); // issuer
    skip(); // validity
    skip(); // subject
    header(); // SubjectPublicKeyInfo
    const alg = header(); // AlgorithmIdentifier
    const algEnd = alg.start + alg.length;
    const keyOid = oid();
    out.keyType = KEY_TYPES[keyOid] ?? keyOid;
    if (out.keyType === "EC" && pos < algEnd && der[pos] === 0x06) {
      const curve = oid();
      out.curve = CURVES[curve] ?? curve;
    }
    pos = algEnd;
    const bits = header(); // BIT STRING
    if (out.keyType === "RSA" || out.keyType === "RSA-PSS") {
      pos = bits.start + 1; // unused-bits byte
      header(); // RSAPublicKey SEQUENCE
      const n = header(); // modulus INTEGER
      let first = n.start;
      while (first < n.start + n.length && der[first] === 0) first++;
      const top = der[first] ?? 0;
      out.keySize = (n.start + n.length - first - 1) * 8 + (top ? 32 - Math.clz32(top) : 0);
    } else if (out.keyType === "ED25519") {
      out.keySize = 256;
    }
    pos = tbsEnd;
    header(); // signatureAlgorithm
    const sigOid = oid();
    out.signatureAlgorithm = SIGNATURE_ALGORITHMS[sigOid] ?? sigOid;
  } catch {
    // A certificate OpenSSL accepted but we cannot walk: keep what was read.
  }
  return out;
}
