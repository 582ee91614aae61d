import { describe, expect, it } from "vitest";
import type { ComparableConnection } from "./comparable";
import { diffConnections, summarizeDiff } from "./diff";

const base: ComparableConnection = {
  protocol: "saml",
  entityId: "https://idp.example.com/entity",
  signInUrl: "https://idp.example.com/sso",
  bindings: ["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"],
  certificates: [
    {
      fingerprintSha256: "AA:11",
      subject: "CN=old",
      notBefore: "2024-01-01T00:00:00Z",
      notAfter: "2027-01-01T00:00:00Z",
    },
  ],
  attributeMapping: { email: "mail", name: "displayName" },
};

describe("diffConnections", () => {
  it("names each changed field with both sides, certificates by fingerprint and expiry", () => {
    const proposed: ComparableConnection = {
      ...base,
      entityId: "https://idp.example.com/other",
      bindings: [...base.bindings, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"],
      certificates: [
        {
          fingerprintSha256: "BB:22",
          subject: "CN=new",
          notBefore: "2026-01-01T00:00:00Z",
          notAfter: "2029-01-01T00:00:00Z",
        },
      ],
      attributeMapping: { email: "emailaddress", groups: "memberOf" },
    };
    const rows = diffConnections(base, proposed);
    const by = Object.fromEntries(rows.map((r) => [r.field, r]));
    expect(by.entityId).toMatchObject({
      change: "changed",
      before: "https://idp.example.com/entity",
      after: "https://idp.example.com/other",
    });
    expect(by.signInUrl?.change).toBe("unchanged");
    expect(by.bindings).toMatchObject({ change: "changed", before: "HTTP-POST", after: "HTTP-POST, HTTP-Redirect" });
    expect(by["certificate:BB:22"]).toMatchObject({
      change: "added",
      after: "SHA-256 BB:22 · valid 2026-01-01 to 2029-01-01",
    });
    expect(by["certificate:AA:11"]).toMatchObject({
      change: "removed",
      before: "SHA-256 AA:11 · valid 2024-01-01 to 2027-01-01",
    });
    expect(by["attribute:email"]).toMatchObject({ change: "changed", before: "mail", after: "emailaddress" });
    expect(by["attribute:name"]?.change).toBe("removed");
    expect(by["attribute:groups"]?.change).toBe("added");
    expect(summarizeDiff(rows)).toBe(
      'Entity ID changed; Bindings changed; Signing certificate added; Signing certificate removed; Attribute "email" changed; Attribute "groups" added; Attribute "name" removed',
    );
  });

  it("says only that the client secret changed, never a value", () => {
    const oidc: ComparableConnection = {
      protocol: "oidc",
      issuer: "https://login.example.com",
      clientId: "abc",
      bindings: [],
      certificates: [],
      attributeMapping: {},
    };
    const rows = diffConnections({ ...oidc, secretRef: "0011" }, { ...oidc, clientId: "def", secretRef: "2233" });
    expect(rows.find((r) => r.field === "clientSecret")).toEqual({
      field: "clientSecret",
      label: "Client secret",
      change: "changed",
      before: null,
      after: null,
    });
    expect(rows.find((r) => r.field === "clientId")).toMatchObject({ before: "abc", after: "def" });
    expect(JSON.stringify(rows)).not.toMatch(/0011|2233/);
    expect(
      diffConnections({ ...oidc, secretRef: "0011" }, { ...oidc, secretRef: "0011" }).map((r) => r.field),
    ).not.toContain("clientSecret");
  });

  it("a first configuration is all additions", () => {
    const rows = diffConnections(null, base);
    expect(rows.every((r) => r.change === "added")).toBe(true);
    expect(summarizeDiff(diffConnections(base, base))).toBe("No change");
  });
});
