import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "./x509.js";

describe("selfSignedCertificate", () => {
  it("makes a certificate that verifies with its own key and names its subject", () => {
    const c = selfSignedCertificate("urn:auth0:local");
    const x = new X509Certificate(Buffer.from(c.certBase64, "base64"));
    expect(x.subject).toBe("CN=urn:auth0:local");
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(c.privateKey)).toBe(true);
    expect(new Date(x.validTo).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * 86_400_000);
    expect(c.thumbprint).toMatch(/^[0-9a-f]{40}$/);
  });
});
