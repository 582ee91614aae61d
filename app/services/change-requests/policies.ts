import type { RiskLevel } from "../platform/db/schema";
import type { ComparableConnection } from "./comparable";
import { changedRows, diffConnections } from "./diff";

/**
 * Risk policies: pure functions from a proposal, its base and the support lead's settings to a
 * decision, the rule that made it and why, in words. Auto-approval is only ever granted by a rule
 * the lead switched on; everything else waits for a person.
 */
export interface PolicySettings {
  autoApproveCertificateRotation: boolean;
  autoApproveTrustedOrganizations: boolean;
  autoApproveRestorePrevious: boolean;
}

export interface PolicyInput {
  base: ComparableConnection | null;
  proposed: ComparableConnection;
  secretChanged: boolean;
  organizationTrusted: boolean;
  /** The proposal restores the version that was live just before the current one. */
  restoresPreviousVersion: boolean;
  now: Date;
}

export type PolicyRule =
  | "trusted-organization"
  | "certificate-rotation"
  | "restore-previous-version"
  | "protocol-switch"
  | "first-connection"
  | "identity-changed"
  | "review";

export interface PolicyDecision {
  decision: "auto_approve" | "review";
  risk: RiskLevel;
  rule: PolicyRule;
  reason: string;
}

export type RotationCheck = { rotation: true; reason: string } | { rotation: false; reason: string };

function validAt(c: { notBefore: string; notAfter: string }, now: Date): boolean {
  return new Date(c.notBefore).getTime() <= now.getTime() && now.getTime() < new Date(c.notAfter).getTime();
}

const short = (fp: string) => fp.slice(0, 11);

/**
 * A certificate-only rotation: the same protocol (SAML), entity ID, endpoints, bindings and
 * attribute mapping; at least one new signing certificate, each valid now; every current
 * certificate that has not expired kept alongside (the customer may remove it in a later change).
 */
export function checkCertificateRotation(
  base: ComparableConnection | null,
  proposed: ComparableConnection,
  now: Date,
): RotationCheck {
  if (!base) return { rotation: false, reason: "There is no current configuration to rotate from." };
  if (base.protocol !== "saml" || proposed.protocol !== "saml") {
    return { rotation: false, reason: "Certificate rotation applies to SAML connections only." };
  }
  const others = changedRows(diffConnections(base, proposed)).filter((r) => !r.field.startsWith("certificate:"));
  if (others.length > 0) {
    return { rotation: false, reason: `More than certificates changed: ${others.map((r) => r.label).join(", ")}.` };
  }
  const before = new Set(base.certificates.map((c) => c.fingerprintSha256));
  const after = new Set(proposed.certificates.map((c) => c.fingerprintSha256));
  const added = proposed.certificates.filter((c) => !before.has(c.fingerprintSha256));
  if (added.length === 0) return { rotation: false, reason: "No new signing certificate." };
  const notYetOrExpired = added.filter((c) => !validAt(c, now));
  if (notYetOrExpired.length > 0) {
    const c = notYetOrExpired[0]!;
    return {
      rotation: false,
      reason: `The new certificate ${short(c.fingerprintSha256)} is not valid now (valid ${c.notBefore.slice(0, 10)} to ${c.notAfter.slice(0, 10)}).`,
    };
  }
  const dropped = base.certificates.filter((c) => !after.has(c.fingerprintSha256) && new Date(c.notAfter) > now);
  if (dropped.length > 0) {
    const c = dropped[0]!;
    return {
      rotation: false,
      reason: `The current certificate ${short(c.fingerprintSha256)} (valid until ${c.notAfter.slice(0, 10)}) is removed; it must stay alongside the new one until it expires.`,
    };
  }
  const names = added.map((c) => `${short(c.fingerprintSha256)} (valid until ${c.notAfter.slice(0, 10)})`).join(", ");
  return {
    rotation: true,
    reason: `Only signing certificates changed: ${added.length === 1 ? "new certificate" : "new certificates"} ${names} valid now; entity ID, endpoints and bindings unchanged; the current certificate is kept.`,
  };
}

/** Decides what happens to a submitted change, and why. The first rule that applies wins. */
export function decide(input: PolicyInput, settings: PolicySettings): PolicyDecision {
  const { base, proposed } = input;
  if (base && base.protocol !== proposed.protocol) {
    return {
      decision: "review",
      risk: "high",
      rule: "protocol-switch",
      reason: `Switches from ${base.protocol.toUpperCase()} to ${proposed.protocol.toUpperCase()}: every user gets a new identity, so support reviews it.`,
    };
  }
  if (input.organizationTrusted && settings.autoApproveTrustedOrganizations) {
    return {
      decision: "auto_approve",
      risk: base ? "medium" : "high",
      rule: "trusted-organization",
      reason: "The organization is marked trusted and the policy approves its changes without review.",
    };
  }
  const rotation = checkCertificateRotation(base, proposed, input.now);
  if (rotation.rotation && !input.secretChanged) {
    return settings.autoApproveCertificateRotation
      ? { decision: "auto_approve", risk: "low", rule: "certificate-rotation", reason: rotation.reason }
      : {
          decision: "review",
          risk: "low",
          rule: "certificate-rotation",
          reason: `${rotation.reason} Auto-approval of rotations is switched off.`,
        };
  }
  if (input.restoresPreviousVersion) {
    const reason = "Restores the version that was live before the current one.";
    return settings.autoApproveRestorePrevious
      ? { decision: "auto_approve", risk: "low", rule: "restore-previous-version", reason }
      : { decision: "review", risk: "low", rule: "restore-previous-version", reason: `${reason} Support reviews it.` };
  }
  if (!base) {
    return {
      decision: "review",
      risk: "medium",
      rule: "first-connection",
      reason: "The organization's first single sign-on configuration: support reviews it.",
    };
  }
  const identity = changedRows(diffConnections(base, proposed)).filter(
    (r) => r.field === "entityId" || r.field === "issuer",
  );
  if (identity.length > 0) {
    return {
      decision: "review",
      risk: "high",
      rule: "identity-changed",
      reason: `The ${identity.map((r) => r.label).join(" and ")} changed: sign-ins come from a different identity provider. ${rotation.reason}`,
    };
  }
  return { decision: "review", risk: "medium", rule: "review", reason: `Needs review: ${rotation.reason}` };
}

export const POLICY_RULE_LABEL: Record<PolicyRule, string> = {
  "trusted-organization": "Trusted organization",
  "certificate-rotation": "Certificate rotation",
  "restore-previous-version": "Restore of the previous version",
  "protocol-switch": "Protocol switch",
  "first-connection": "First connection",
  "identity-changed": "Identity provider changed",
  review: "Review",
};
