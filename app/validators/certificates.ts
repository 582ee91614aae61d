import { createHash, X509Certificate } from "node:crypto";
import type { CertificateFacts } from "./report";

/**
 * Certificate facts, read with a small strict DER walker (subject, issuer, validity, key type and
 * size, signature algorithm; SHA-1 and SHA-256 fingerprints hashed from the DER). Parsing each
 * certificate with OpenSSL through node:crypto's X509Certificate costs ~0.3 ms, more than the
 * whole rest of a typical metadata check; it remains the fallback for anything the walker does not
 * know (an unusual name attribute or string type), and the tests check both agree.
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
  const read = readCertificate(der) ?? readWithOpenSsl(der);
  if (!read) return { ok: false, reason: "the base64 does not hold a DER X.509 certificate" };
  const notAfter = read.notAfter;
  const facts: CertificateFacts = {
    use,
    subject: read.subject,
    issuer: read.issuer,
    selfSigned: read.subject === read.issuer,
    notBefore: read.notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    expired: notAfter.getTime() < now.getTime(),
    keyType: read.keyType,
    ...(read.keySize ? { keySize: read.keySize } : {}),
    ...(read.curve ? { curve: read.curve } : {}),
    signatureAlgorithm: read.signatureAlgorithm,
    fingerprintSha256: fingerprint("sha256", der),
    fingerprintSha1: fingerprint("sha1", der),
    base64,
  };
  return { ok: true, facts };
}

function fingerprint(algorithm: "sha1" | "sha256", der: Buffer): string {
  return (createHash(algorithm).update(der).digest("hex").toUpperCase().match(/../g) ?? []).join(":");
}

interface ReadCertificate extends DerFacts {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

/** The fallback: OpenSSL, plus the DER walk for what Node 20 does not expose. */
function readWithOpenSsl(der: Buffer): ReadCertificate | undefined {
  try {
    const cert = new X509Certificate(der);
    return {
      ...readDer(der),
      subject: oneLine(cert.subject),
      issuer: oneLine(cert.issuer),
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
    };
  } catch {
    return undefined;
  }
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
    return decodeOid(bytes);
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

/** An OBJECT IDENTIFIER's contents (base-128 arcs after the first byte's two) in dotted form. */
function decodeOid(bytes: Uint8Array): string {
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
}

const NAME_ATTRIBUTES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.46": "dnQualifier",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

/** Thrown inside the walker for anything unexpected: the caller falls back to OpenSSL. */
class Unsupported extends Error {}

/**
 * The strict walk: every length must fit exactly, every field has the tag X.509 gives it.
 * Returns undefined (→ OpenSSL) for anything else.
 */
function readCertificate(der: Buffer): ReadCertificate | undefined {
  let pos = 0;
  const header = (expected?: number): { tag: number; length: number; start: number; end: number } => {
    if (pos + 2 > der.length) throw new Unsupported();
    const tag = der[pos++]!;
    if (expected !== undefined && tag !== expected) throw new Unsupported();
    let length = der[pos++]!;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n === 0 || n > 3) throw new Unsupported();
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + der[pos++]!;
    }
    if (pos + length > der.length) throw new Unsupported();
    return { tag, length, start: pos, end: pos + length };
  };
  const oidAt = (start: number, end: number): string => {
    const bytes = der.subarray(start, end);
    if (!bytes.length) throw new Unsupported();
    return decodeOid(bytes);
  };
  const name = (): string => {
    const seq = header(0x30);
    const rdns: string[] = [];
    while (pos < seq.end) {
      const set = header(0x31);
      const values: string[] = [];
      while (pos < set.end) {
        const atv = header(0x30);
        const oid = header(0x06);
        const type = NAME_ATTRIBUTES[oidAt(oid.start, oid.end)];
        pos = oid.end;
        const v = header();
        if (!type || v.end !== atv.end) throw new Unsupported();
        values.push(`${type}=${escapeDnValue(decodeString(der, v.tag, v.start, v.end))}`);
        pos = v.end;
      }
      rdns.push(values.join(" + "));
    }
    if (pos !== seq.end) throw new Unsupported();
    return rdns.join(", ");
  };
  const time = (): Date => {
    const t = header();
    const text = der.toString("latin1", t.start, t.end);
    pos = t.end;
    const m =
      t.tag === 0x17
        ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : t.tag === 0x18
          ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
          : null;
    if (!m) throw new Unsupported();
    let year = Number(m[1]);
    if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
    return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  };
  try {
    const cert = header(0x30);
    if (cert.end !== der.length) throw new Unsupported();
    const tbs = header(0x30);
    if (der[pos] === 0xa0) pos = header(0xa0).end; // version
    pos = header(0x02).end; // serialNumber
    pos = header(0x30).end; // signature
    const issuer = name();
    const validity = header(0x30);
    const notBefore = time();
    const notAfter = time();
    if (pos !== validity.end) throw new Unsupported();
    const subject = name();
    header(0x30); // SubjectPublicKeyInfo: the key facts come from readDer below
    pos = tbs.end;
    header(0x30); // signatureAlgorithm
    return { ...readDer(der), subject, issuer, notBefore, notAfter };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function decodeString(der: Buffer, tag: number, start: number, end: number): string {
  switch (tag) {
    case 0x0c: // UTF8String
      return new TextDecoder("utf-8", { fatal: true }).decode(der.subarray(start, end));
    case 0x13: // PrintableString
    case 0x16: // IA5String
      for (let i = start; i < end; i++) if (der[i]! > 0x7e || der[i]! < 0x20) throw new Unsupported();
      return der.toString("latin1", start, end);
    default:
      throw new Unsupported(); // T61, BMP, Universal strings: OpenSSL knows them better
  }
}

/** RFC 2253 escaping, as OpenSSL prints names; control characters are left to OpenSSL. */
function escapeDnValue(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) throw new Unsupported();
    if (',+"\\<>;'.includes(ch) || (i === 0 && (ch === "#" || ch === " ")) || (i === value.length - 1 && ch === " ")) {
      out += `\\${ch}`;
    } else out += ch;
  }
  return out;
}
