import { describe, expect, it } from "vitest";
import { higherSupportRole, supportRoleFromClaims } from "./vendor-roles.server";

describe("vendor roles from an ID-token claim", () => {
  const claim = "https://sso-portal.example/roles";
  it("reads a role from a string or an array claim", () => {
    expect(supportRoleFromClaims({ [claim]: "support_agent" }, claim)).toBe("support_agent");
    expect(supportRoleFromClaims({ [claim]: ["other", "support_admin"] }, claim)).toBe("support_admin");
  });
  it("ignores other claims, other values, and an unset claim name", () => {
    expect(supportRoleFromClaims({ roles: ["support_admin"] }, claim)).toBeNull();
    expect(supportRoleFromClaims({ [claim]: ["admin", "Support_Admin"] }, claim)).toBeNull();
    expect(supportRoleFromClaims({ [claim]: { role: "support_admin" } }, claim)).toBeNull();
    expect(supportRoleFromClaims({ [claim]: "support_admin" }, undefined)).toBeNull();
  });
  it("takes the higher of configuration and claim", () => {
    expect(higherSupportRole(null, null)).toBeNull();
    expect(higherSupportRole("support_agent", "support_admin")).toBe("support_admin");
    expect(higherSupportRole("support_admin", null)).toBe("support_admin");
    expect(higherSupportRole(null, "support_agent")).toBe("support_agent");
  });
});

describe("vendor roles from configuration", () => {
  it("reads e-mails (any case) and user ids from the environment; the higher role wins", async () => {
    const { parseEnv } = await import("../platform/env.server");
    const { configuredSupportRole } = await import("./vendor-roles.server");
    const { REAL_TENANT_ENV } = await import("../platform/env.fixtures");
    const env = parseEnv({
      ...REAL_TENANT_ENV,
      SUPPORT_AGENT_EMAILS: "Agent@Vendor.example, both@vendor.example",
      SUPPORT_ADMIN_EMAILS: "lead@vendor.example,both@vendor.example",
      SUPPORT_AGENT_USER_IDS: "google-oauth2|1234",
      SUPPORT_ADMIN_USER_IDS: "auth0|64f1c0ffee",
    });
    expect(configuredSupportRole({ email: "agent@vendor.example", sub: null, emailVerified: true }, env)).toBe(
      "support_agent",
    );
    expect(configuredSupportRole({ email: "LEAD@vendor.example", sub: null, emailVerified: true }, env)).toBe(
      "support_admin",
    );
    expect(configuredSupportRole({ email: "both@vendor.example", sub: null, emailVerified: true }, env)).toBe(
      "support_admin",
    );
    expect(configuredSupportRole({ email: "x@customer.example", sub: "google-oauth2|1234" }, env)).toBe(
      "support_agent",
    );
    expect(configuredSupportRole({ email: "y@customer.example", sub: "auth0|64f1c0ffee" }, env)).toBe("support_admin");
    expect(configuredSupportRole({ email: "lena@vendor.test", sub: null, emailVerified: true }, env)).toBeNull(); // local-mode seeds only in local mode
    expect(
      configuredSupportRole({ email: "alice@acme.test", sub: "auth0|alice", emailVerified: true }, env),
    ).toBeNull();
  });

  it("adds the seeded Sam and Lena in local mode", async () => {
    const { parseEnv } = await import("../platform/env.server");
    const { configuredSupportRole } = await import("./vendor-roles.server");
    const env = parseEnv({});
    expect(configuredSupportRole({ email: "sam@vendor.test", sub: null, emailVerified: true }, env)).toBe(
      "support_agent",
    );
    expect(configuredSupportRole({ email: "lena@vendor.test", sub: null, emailVerified: true }, env)).toBe(
      "support_admin",
    );
    expect(configuredSupportRole({ email: "alice@acme.test", sub: null, emailVerified: true }, env)).toBeNull();
  });

  it("trusts an e-mail only when verified and not from a customer-managed connection", async () => {
    const { parseEnv } = await import("../platform/env.server");
    const { configuredSupportRole, isCustomerManagedIdentity } = await import("./vendor-roles.server");
    const env = parseEnv({});
    const lena = { email: "lena@vendor.test" };
    expect(configuredSupportRole({ ...lena, sub: "auth0|x", emailVerified: false }, env)).toBeNull();
    expect(configuredSupportRole({ ...lena, sub: "auth0|x" }, env)).toBeNull();
    expect(configuredSupportRole({ ...lena, sub: "samlp|sso-acme-saml|lena", emailVerified: true }, env)).toBeNull();
    expect(configuredSupportRole({ ...lena, sub: "oidc|SSO-acme-oidc|lena", emailVerified: true }, env)).toBeNull();
    expect(configuredSupportRole({ ...lena, sub: "samlp|vendor-staff|lena", emailVerified: true }, env)).toBe(
      "support_admin",
    );
    expect(configuredSupportRole({ ...lena, sub: "google-oauth2|1", emailVerified: true }, env)).toBe("support_admin");
    expect(isCustomerManagedIdentity("waad|sso-globex-oidc|x", "sso")).toBe(true);
    expect(isCustomerManagedIdentity("waad|ssoother|x", "sso")).toBe(false);
    expect(isCustomerManagedIdentity(null, "sso")).toBe(false);
  });

  it("names the variable when a list entry is malformed, and a claim name with spaces", async () => {
    const { parseEnv } = await import("../platform/env.server");
    expect(() => parseEnv({ SUPPORT_ADMIN_USER_IDS: "not an id" })).toThrow(/SUPPORT_ADMIN_USER_IDS .*user id/);
    expect(() => parseEnv({ SUPPORT_ROLE_CLAIM: "my roles" })).toThrow(/SUPPORT_ROLE_CLAIM/);
    expect(() => parseEnv({ SESSION_IDLE_MINUTES: "1" })).toThrow(/SESSION_IDLE_MINUTES/);
  });
});
