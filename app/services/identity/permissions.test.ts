import { describe, expect, it } from "vitest";
import { orgRoleAtLeast, orgRoleCan, supportRoleAtLeast, supportRoleCan } from "./permissions";

describe("permissions", () => {
  it("lets a viewer read the organization and its members, and nothing more", () => {
    expect(orgRoleCan("org_viewer", "org:read")).toBe(true);
    expect(orgRoleCan("org_viewer", "org:members:read")).toBe(true);
    for (const p of ["org:members:manage", "org:invitations:read", "org:invitations:manage", "org:audit:read"] as const)
      expect(orgRoleCan("org_viewer", p)).toBe(false);
  });

  it("lets an org admin manage members and setup links and read the audit log", () => {
    for (const p of ["org:members:manage", "org:invitations:manage", "org:audit:read"] as const)
      expect(orgRoleCan("org_admin", p)).toBe(true);
  });

  it("keeps setup links and new organizations to support leads", () => {
    expect(supportRoleCan("support_agent", "support:orgs:read")).toBe(true);
    expect(supportRoleCan("support_agent", "support:invitations:manage")).toBe(false);
    expect(supportRoleCan("support_agent", "support:orgs:create")).toBe(false);
    expect(supportRoleCan("support_admin", "support:invitations:manage")).toBe(true);
    expect(supportRoleCan("support_admin", "support:orgs:create")).toBe(true);
  });

  it("orders roles", () => {
    expect(orgRoleAtLeast("org_admin", "org_viewer")).toBe(true);
    expect(orgRoleAtLeast("org_viewer", "org_admin")).toBe(false);
    expect(supportRoleAtLeast("support_admin", "support_agent")).toBe(true);
    expect(supportRoleAtLeast("support_agent", "support_admin")).toBe(false);
  });
});
