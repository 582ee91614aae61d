import { describe, expect, it } from "vitest";
import { cspNonce } from "./csp-nonce";

describe("CSP nonces", () => {
  it("are 128 bits in base64, and never repeat across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const nonce = cspNonce();
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, "base64")).toHaveLength(16);
      seen.add(nonce);
    }
    expect(seen.size).toBe(2000);
  });
});
