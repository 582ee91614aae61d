import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";

/**
 * Self-signed X.509 certificates for the tenant's SAML signing key and the demo IdPs, made at
 * start with node:crypto and a few lines of DER (no certificate library is installed, and a
 * committed private key would be a secret in the repository, however harmless).
 */

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const int = (b: Buffer) => tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
const oid = (hex: string) => tlv(0x06, Buffer.from(hex, "hex"));
const SHA256_RSA = seq(oid("2a864886f70d01010b"), Buffer.from([0x05, 0x00]));
const name = (cn: string) => seq(tlv(0x31, seq(oid("550403"), tlv(0x0c, Buffer.from(cn, "utf8")))));
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

export interface CertifiedKey {
  privateKey: KeyObject;
  /** PEM of the private key (PKCS#8), for libraries that want text. */
  privateKeyPem: string;
  /** PEM certificate. */
  certPem: string;
  /** Base64 DER, as in SAML metadata and Auth0's `signingCert`. */
  certBase64: string;
  /** SHA-1 hex, Auth0's `thumbprints`. */
  thumbprint: string;
}

/**
 * A random positive serial in minimal DER: a first byte of 0x00 followed by one below 0x80 is not
 * minimal, and OpenSSL refuses such a certificate (about one start in 500 failed that way).
 */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = 0x01 + (serial[0]! % 0x7f);
  return serial;
}

export function selfSignedCertificate(commonName: string, years = 10): CertifiedKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + years * 365 * 86_400_000);
  const tbs = seq(
    tlv(0xa0, int(Buffer.from([2]))),
    int(serialNumber()),
    SHA256_RSA,
    name(commonName),
    seq(time(notBefore), time(notAfter)),
    name(commonName),
    publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = sign("sha256", tbs, privateKey);
  const der = seq(tbs, SHA256_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = new X509Certificate(der); // parses, or throws: a broken encoder fails loudly
  return {
    privateKey,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certPem: cert.toString(),
    certBase64: der.toString("base64"),
    thumbprint: createHash("sha1").update(der).digest("hex"),
  };
}
