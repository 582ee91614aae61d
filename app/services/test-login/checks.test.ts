import { describe, expect, it } from "vitest";
import { checkLogin } from "./checks";

const NAMES_AND_GROUPS = { verifiedDomains: [], names: true, groups: true };

describe("checkLogin", () => {
  it("passes what the mapping delivered", () => {
    const checks = checkLogin(
      { email: "ada@acme.test", given_name: "Ada", family_name: "Lovelace", groups: ["eng"] },
      NAMES_AND_GROUPS,
    );
    expect(checks.every((c) => c.passed && c.cause === undefined && c.hint === undefined)).toBe(true);
  });

  it("names the attribute to map when the IdP sent the value under another name (AD FS claim URIs)", () => {
    const attributes = {
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "ada@saml-idp.test",
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": "Ada",
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": "Lovelace",
      "http://schemas.xmlsoap.org/claims/Group": ["engineering", "admins"],
      email_verified: false,
    };
    const checks = checkLogin({}, NAMES_AND_GROUPS, attributes);
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId["email-present"]!.passed).toBe(false);
    expect(byId["email-present"]!.cause).toBe("missing-email");
    expect(byId["email-present"]!.hint).toContain(
      "Map Email to “http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress”",
    );
    expect(byId["given-name"]!.hint).toContain("“http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname”");
    expect(byId["family-name"]!.hint).toContain("“http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname”");
    expect(byId.groups!.hint).toContain("“http://schemas.xmlsoap.org/claims/Group” (engineering, admins)");
  });

  it("gives no hint when nothing like the missing value arrived", () => {
    const checks = checkLogin({}, NAMES_AND_GROUPS, { department: "Engineering", email_verified: false });
    expect(checks.filter((c) => !c.passed).map((c) => c.hint)).toEqual([undefined, undefined, undefined, undefined]);
  });
});
