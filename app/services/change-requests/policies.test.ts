import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateDocument } from "~/validators";
import { comparableFromReport, type ComparableConnection } from "./comparable";
import { checkCertificateRotation, decide, type PolicyInput, type PolicySettings } from "./policies";

/**
 * The risk policies on real IdP documents (tests/fixtures/idp-documents). The multi-certificate
 * rotation fixture against the same metadata without its added certificate is a certificate-only
 * rotation; the same metadata with another entity ID is not. Dates are passed in: the fixture's
 * certificates were valid in 2017, not today.
 */
const DIR = join(import.meta.dirname, "../../../tests/fixtures/idp-documents");
const fixture = (name: string) => readFileSync(join(DIR, name), "utf8");
const ROTATION_DAY = new Date("2017-06-01T00:00:00Z"); // both certificates of the fixture valid
const MANIFEST_DAY = new Date("2026-11-22T00:00:00Z"); // every certificate of the fixture expired

const KEY_DESCRIPTOR = /<KeyDescriptor use="signing">[\s\S]*?<\/KeyDescriptor>\s*/g;

function comparable(xml: string): ComparableConnection {
  return comparableFromReport(validateDocument(xml, { now: MANIFEST_DAY, kind: "saml-metadata" }));
}

/** The rotation fixture as it was before the IdP added its second signing certificate. */
function withoutSecondCertificate(xml: string): string {
  let n = 0;
  return xml.replace(KEY_DESCRIPTOR, (m) => (++n === 2 ? "" : m));
}

function withoutFirstCertificate(xml: string): string {
  // The first and third KeyDescriptors are the same certificate: drop both.
  let n = 0;
  return xml.replace(KEY_DESCRIPTOR, (m) => (++n === 2 ? m : ""));
}

const ON: PolicySettings = {
  autoApproveCertificateRotation: true,
  autoApproveTrustedOrganizations: true,
  autoApproveRestorePrevious: false,
};

function input(base: ComparableConnection | null, proposed: ComparableConnection, more: Partial<PolicyInput> = {}) {
  return {
    base,
    proposed,
    secretChanged: false,
    organizationTrusted: false,
    restoresPreviousVersion: false,
    now: ROTATION_DAY,
    ...more,
  };
}

const rotated = fixture("saml-multicert-rotation-1.xml");
const before = withoutSecondCertificate(rotated);

describe("certificate-only rotation on the multi-certificate fixture", () => {
  it("the fixture's two signing certificates are what the pair differs by", () => {
    expect(comparable(before).certificates).toHaveLength(1);
    expect(comparable(rotated).certificates).toHaveLength(2);
  });

  it("is auto-approved as a low-risk certificate rotation, saying which certificate is new", () => {
    const d = decide(input(comparable(before), comparable(rotated)), ON);
    expect(d).toMatchObject({ decision: "auto_approve", risk: "low", rule: "certificate-rotation" });
    expect(d.reason).toContain("47:05:10:32");
    expect(d.reason).toContain("valid until 2018-04-15");
    expect(d.reason).toContain("current certificate is kept");
  });

  it("waits for review when the lead switched rotation auto-approval off", () => {
    const d = decide(input(comparable(before), comparable(rotated)), { ...ON, autoApproveCertificateRotation: false });
    expect(d).toMatchObject({ decision: "review", risk: "low", rule: "certificate-rotation" });
    expect(d.reason).toContain("switched off");
  });

  it("is not a rotation when the new certificate is not valid now (judged on 2026-11-22)", () => {
    const check = checkCertificateRotation(comparable(before), comparable(rotated), MANIFEST_DAY);
    expect(check.rotation).toBe(false);
    expect(check.reason).toMatch(/new certificate 47:05:10:32 is not valid now/);
    expect(decide(input(comparable(before), comparable(rotated), { now: MANIFEST_DAY }), ON).decision).toBe("review");
  });

  it("is not a rotation when the current certificate is dropped before it expires", () => {
    const check = checkCertificateRotation(
      comparable(rotated),
      comparable(withoutFirstCertificate(rotated)),
      ROTATION_DAY,
    );
    expect(check).toEqual({ rotation: false, reason: expect.stringMatching(/No new signing certificate/) });
    const swap = checkCertificateRotation(
      comparable(before),
      comparable(withoutFirstCertificate(rotated)),
      ROTATION_DAY,
    );
    expect(swap.rotation).toBe(false);
    expect(swap.reason).toMatch(/current certificate E5:52:D9:2C .*must stay alongside/);
  });

  it("a rotation that also brings a new client secret goes to review", () => {
    expect(decide(input(comparable(before), comparable(rotated), { secretChanged: true }), ON).decision).toBe("review");
  });
});

describe("changes that are not a rotation", () => {
  // One attribute of the rotation fixture moved: the decision, and the field its reason names.
  it.each([
    {
      title: "a changed entity ID is high risk and waits for review, naming the field",
      base: before,
      moved: ['entityID="https://idp.examle.com/saml/metadata"', 'entityID="https://idp.example.org/other"'],
      expected: { decision: "review", risk: "high", rule: "identity-changed" },
      field: "Entity ID",
    },
    {
      title: "a new sign-in URL with the same entity ID is a medium-risk review",
      base: rotated,
      moved: ['Location="https://idp.examle.com/saml/sso"', 'Location="https://idp.examle.com/saml/sso2"'],
      expected: { decision: "review", risk: "medium", rule: "review" },
      field: "Sign-in URL",
    },
  ])("$title", ({ base, moved: [from, to], expected, field }) => {
    const d = decide(input(comparable(base), comparable(rotated.replace(from!, to!))), ON);
    expect(d).toMatchObject(expected);
    expect(d.reason).toContain(field);
  });

  it("another Okta application (okta-1 → okta-3) is an identity change", () => {
    const d = decide(input(comparable(fixture("saml-okta-1.xml")), comparable(fixture("saml-okta-3.xml"))), ON);
    expect(d).toMatchObject({ decision: "review", risk: "high", rule: "identity-changed" });
  });

  it("switching SAML → OIDC is high risk even for a trusted organization", () => {
    const oidc = comparableFromReport(
      validateDocument(fixture("oidc-okta.json"), { now: MANIFEST_DAY, kind: "oidc-discovery" }),
      { clientId: "0oa1" },
    );
    const d = decide(input(comparable(rotated), oidc, { organizationTrusted: true }), ON);
    expect(d).toMatchObject({ decision: "review", risk: "high", rule: "protocol-switch" });
  });

  it("the first configuration waits for review; a trusted organization's is auto-approved", () => {
    expect(decide(input(null, comparable(rotated)), ON)).toMatchObject({
      decision: "review",
      rule: "first-connection",
    });
    expect(decide(input(null, comparable(rotated), { organizationTrusted: true }), ON)).toMatchObject({
      decision: "auto_approve",
      rule: "trusted-organization",
    });
    expect(
      decide(input(null, comparable(rotated), { organizationTrusted: true }), {
        ...ON,
        autoApproveTrustedOrganizations: false,
      }).decision,
    ).toBe("review");
  });

  it("restoring the previous version is low risk, auto-approved only when the lead allows it", () => {
    const restore = input(comparable(fixture("saml-okta-3.xml")), comparable(fixture("saml-okta-1.xml")), {
      restoresPreviousVersion: true,
    });
    expect(decide(restore, ON)).toMatchObject({ decision: "review", risk: "low", rule: "restore-previous-version" });
    expect(decide(restore, { ...ON, autoApproveRestorePrevious: true }).decision).toBe("auto_approve");
  });
});
