import type { FailureCause } from "./failure-explanations";

/**
 * What a passing test login must show, checked against what came back: the vendor's
 * application needs an e-mail (in one of the organization's verified domains, when it has
 * some), and the names and groups when the configuration maps them. Pure.
 */

export type CheckId = "email-present" | "email-domain" | "given-name" | "family-name" | "groups";

export interface LoginCheck {
  id: CheckId;
  label: string;
  passed: boolean;
  /** What came back, as text ("" when nothing did). */
  value: string;
  /** What was expected, in words. */
  expected: string;
  /** When failed: the cause whose words explain it. */
  cause?: FailureCause;
  /** When failed and the IdP sent something like it under another name: what to map. */
  hint?: string;
}

export interface Requirements {
  verifiedDomains: string[];
  names: boolean;
  groups: boolean;
}

export interface ReturnedProfile {
  email?: unknown;
  given_name?: unknown;
  family_name?: unknown;
  groups?: unknown;
}

const text = (v: unknown): string =>
  v === undefined || v === null ? "" : Array.isArray(v) ? v.map(String).join(", ") : String(v);

/** Which checks the staged configuration asks for: names and groups only when it maps them. */
export function requirementsFrom(
  protocol: "saml" | "oidc",
  options: Record<string, unknown>,
  verifiedDomains: string[],
): Requirements {
  const mapped = new Set<string>();
  if (protocol === "saml" && options.fieldsMap && typeof options.fieldsMap === "object") {
    for (const k of Object.keys(options.fieldsMap)) mapped.add(k);
  }
  const attributeMap = (options.attribute_map as { attributes?: Record<string, unknown> } | undefined)?.attributes;
  if (protocol === "oidc" && attributeMap) for (const k of Object.keys(attributeMap)) mapped.add(k);
  return {
    verifiedDomains,
    names: mapped.has("given_name") || mapped.has("family_name"),
    groups: mapped.has("groups"),
  };
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

/** Names IdPs give each field (Okta, Entra ID, AD FS, Google, OneLogin, Ping, Keycloak, LDAP). */
const LOOKS_LIKE: Record<Exclude<CheckId, "email-domain">, { label: string; name: RegExp }> = {
  "email-present": { label: "Email", name: /e-?mail|mail$|upn$/i },
  "given-name": { label: "Given name", name: /given.?name|first.?name|(^|\/)gn$/i },
  "family-name": { label: "Family name", name: /surname|family.?name|last.?name|(^|\/)sn$/i },
  groups: { label: "Groups", name: /group|member.?of|role/i },
};

/**
 * A failed check whose value the IdP did send, under a name the mapping does not use: the
 * attribute to map (what a customer who chose the wrong IdP in the wizard, or renamed an
 * attribute, needs to read). For the e-mail, any attribute whose value is an e-mail address.
 */
function mappingHint(id: CheckId, attributes: Record<string, unknown>): string | undefined {
  if (id === "email-domain") return undefined;
  const { label, name } = LOOKS_LIKE[id];
  for (const [key, raw] of Object.entries(attributes)) {
    const value = text(raw).trim();
    if (value === "" || ["email", "given_name", "family_name", "groups", "name", "nickname"].includes(key)) continue;
    const matches = id === "email-present" ? EMAIL.test(value) : name.test(key);
    if (matches)
      return `Your identity provider sent it as “${key}” (${value.slice(0, 80)}). Map ${label} to “${key}” (Change the configuration → attribute mapping), or have your identity provider send it under the name your mapping uses.`;
  }
  return undefined;
}

/**
 * `profile`: the claims after the connection's mapping, with the user's profile; `attributes`: the
 * IdP's own attribute names and values, when they could be read (for mapping hints).
 */
export function checkLogin(
  profile: ReturnedProfile,
  req: Requirements,
  attributes: Record<string, unknown> = {},
): LoginCheck[] {
  const email = text(profile.email).trim();
  const checks: LoginCheck[] = [
    {
      id: "email-present",
      label: "E-mail address sent",
      passed: EMAIL.test(email),
      value: email,
      expected: "an e-mail address",
      cause: "missing-email",
    },
  ];
  if (req.verifiedDomains.length > 0) {
    const domain = email.includes("@") ? email.slice(email.lastIndexOf("@") + 1).toLowerCase() : "";
    checks.push({
      id: "email-domain",
      label: "E-mail in one of your verified domains",
      passed: domain !== "" && req.verifiedDomains.includes(domain),
      value: email,
      expected: req.verifiedDomains.map((d) => `@${d}`).join(" or "),
      cause: "email-outside-domains",
    });
  }
  if (req.names) {
    for (const [id, field, label] of [
      ["given-name", "given_name", "Given name sent"],
      ["family-name", "family_name", "Family name sent"],
    ] as const) {
      const value = text(profile[field]).trim();
      checks.push({
        id,
        label,
        passed: value !== "",
        value,
        expected: "a name (mapped in your configuration)",
        cause: "missing-mapped-attribute",
      });
    }
  }
  if (req.groups) {
    const value = text(profile.groups).trim();
    checks.push({
      id: "groups",
      label: "Groups sent",
      passed: value !== "",
      value,
      expected: "at least one group (mapped in your configuration)",
      cause: "missing-mapped-attribute",
    });
  }
  return checks.map((c) => {
    if (c.passed) return { ...c, cause: undefined };
    const hint = mappingHint(c.id, attributes);
    return hint ? { ...c, hint } : c;
  });
}
