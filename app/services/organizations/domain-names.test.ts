import { describe, expect, it } from "vitest";
import { emailDomain, normalizeDomain, verificationRecordName } from "./domain-names";

describe("normalizeDomain", () => {
  it.each([
    ["acme.com", "acme.com"],
    ["  Acme.COM. ", "acme.com"],
    ["@acme.com", "acme.com"],
    ["mail.eu.acme.co.uk", "mail.eu.acme.co.uk"],
    ["bücher.example", "xn--bcher-kva.example"],
  ])("accepts %j as %s", (input, domain) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, domain });
  });

  it.each([
    ["", /Give a domain/],
    ["https://acme.com", /without https/],
    ["acme.com/login", /without https/],
    ["jane@acme.com", /not an e-mail address/],
    ["*.acme.com", /Wildcards/],
    ["localhost", /with a dot/],
    ["acme..com", /not a domain/],
    ["-acme.com", /not a domain/],
    ["acme_corp.com", /not a domain/],
    ["10.0.0.1", /IP address/],
    ["Gmail.com", /public mail service/],
    [`${"a".repeat(64)}.com`, /not a domain/],
    [`${"abcdefghi.".repeat(26)}com`, /not a domain/],
    ["<script>.com", /not a domain/],
  ])("refuses %j with a message saying what to do", (input, message) => {
    const result = normalizeDomain(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe("verification record and e-mail domains", () => {
  it("names the TXT record under the domain", () => {
    expect(verificationRecordName("acme.com")).toBe("_sso-portal-verification.acme.com");
  });
  it("reads the domain of an e-mail address", () => {
    expect(emailDomain("Jane.Doe@Acme.COM")).toBe("acme.com");
    expect(emailDomain("no-at-sign")).toBeNull();
    expect(emailDomain("@acme.com")).toBeNull();
  });
});
