import { X509Certificate } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auth0SigningCert, describeCertificate, normalizeBase64Certificate } from "./certificates";

const TESTDATA = join(import.meta.dirname, "../services/idp-documents/testdata");
const pem = (name: string) => readFileSync(join(TESTDATA, name), "utf8");

const FIXTURES = join(import.meta.dirname, "../../tests/fixtures/idp-documents");
const fixtureCertificates = readdirSync(FIXTURES).flatMap((file) => {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  const found = [...text.matchAll(/X509Certificate>([^<]+)</g), ...text.matchAll(/"x5c":\s*\[\s*"([^"]+)"/g)];
  return found
    .map((m, i) => [`${file} #${i + 1}`, m[1]!.replace(/\s+/g, "")] as const)
    .filter(([, b64]) => {
      try {
        new X509Certificate(Buffer.from(b64, "base64"));
        return true;
      } catch {
        return false;
      }
    });
});

describe("describeCertificate", () => {
  it("has real certificates to compare", () => {
    expect(fixtureCertificates.length).toBeGreaterThan(30);
  });

  it.each([
    ...fixtureCertificates,
    ...["test-cert.pem", "test-ec-cert.pem", "test-rsa1024-sha1-cert.pem"].map((n) => [n, pem(n)] as const),
  ])("reads %s exactly as OpenSSL does", (_name, text) => {
    const x509 = new X509Certificate(text.includes("BEGIN") ? text : Buffer.from(text, "base64"));
    const r = describeCertificate(text, "signing", new Date("2026-11-22T00:00:00Z"));
    if (!r.ok) throw new Error(r.reason);
    const line = (dn: string) => dn.split("\n").filter(Boolean).join(", ");
    expect(r.facts).toMatchObject({
      subject: line(x509.subject),
      issuer: line(x509.issuer),
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: new Date(x509.validTo).toISOString(),
      fingerprintSha1: x509.fingerprint,
      fingerprintSha256: x509.fingerprint256,
    });
  });

  it.each(["test-cert.pem", "test-ec-cert.pem", "test-rsa1024-sha1-cert.pem"])("reads %s as OpenSSL does", (name) => {
    const text = pem(name);
    const x509 = new X509Certificate(text);
    const r = describeCertificate(text, "signing", new Date(x509.validFrom));
    if (!r.ok) throw new Error(r.reason);
    const key = x509.publicKey;
    expect(r.facts.keyType).toBe(key.asymmetricKeyType!.toUpperCase());
    expect(r.facts.keySize).toBe(key.asymmetricKeyDetails?.modulusLength);
    expect(r.facts.curve).toBe(key.asymmetricKeyDetails?.namedCurve);
    expect(r.facts.fingerprintSha256).toBe(x509.fingerprint256);
    expect(r.facts.fingerprintSha1).toBe(x509.fingerprint);
    expect(r.facts.notAfter).toBe(new Date(x509.validTo).toISOString());
    expect(r.facts.selfSigned).toBe(true);
  });

  it("names the signature algorithm", () => {
    const alg = (name: string) => {
      const r = describeCertificate(pem(name), "signing", new Date());
      return r.ok ? r.facts.signatureAlgorithm : r.reason;
    };
    expect(alg("test-cert.pem")).toBe("sha256WithRSAEncryption");
    expect(alg("test-ec-cert.pem")).toBe("ecdsa-with-SHA384");
    expect(alg("test-rsa1024-sha1-cert.pem")).toBe("sha1WithRSAEncryption");
  });

  it("counts days left against the injected clock", () => {
    const x509 = new X509Certificate(pem("test-rsa1024-sha1-cert.pem"));
    const after = new Date(new Date(x509.validTo).getTime() + 3 * 86_400_000);
    const r = describeCertificate(pem("test-rsa1024-sha1-cert.pem"), "signing", after);
    expect(r.ok && [r.facts.expired, r.facts.daysLeft]).toEqual([true, -3]);
  });

  it("refuses what is not a certificate", () => {
    expect(describeCertificate("", "signing", new Date())).toEqual({
      ok: false,
      reason: "the certificate element is empty",
    });
    expect(describeCertificate("not base64!", "signing", new Date()).ok).toBe(false);
    expect(describeCertificate("TUlJQ0FBQUE=", "signing", new Date()).ok).toBe(false);
  });

  it("turns a certificate into Auth0's signingCert: base64 of the PEM file", () => {
    const body = normalizeBase64Certificate(pem("test-cert.pem"));
    const decoded = Buffer.from(auth0SigningCert(body), "base64").toString("utf8");
    expect(new X509Certificate(decoded).fingerprint256).toBe(new X509Certificate(pem("test-cert.pem")).fingerprint256);
  });
});
