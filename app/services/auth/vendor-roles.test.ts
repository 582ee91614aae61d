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
