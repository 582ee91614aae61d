import { describe, expect, it } from "vitest";
import { maskSecretPath } from "./secret-paths";

const TOKEN = "ML0EPCcfX_itCVYkNWEH9NzrVyNjDSCRYWtOkVmgbzI";

describe("maskSecretPath", () => {
  it.each([
    `/invites/${TOKEN}`,
    `/INVITES/${TOKEN}`,
    `/Invites/${TOKEN}`,
    `/%69nvites/${TOKEN}`,
    `/%49NVITES/${TOKEN}`,
    `//invites/${TOKEN}`,
    `/invites/${TOKEN}?x=1`,
    `/invites/${TOKEN}.data`,
    `/invites/${encodeURIComponent(TOKEN)}%zz`,
  ])("masks the token in %s", (path) => {
    const masked = maskSecretPath(path);
    expect(masked).not.toContain(TOKEN);
    expect(masked).toMatch(/^\/invites\/\[token\]/);
  });

  it("leaves other paths alone (query dropped)", () => {
    expect(maskSecretPath("/orgs/acme?x=1")).toBe("/orgs/acme");
    expect(maskSecretPath("/auth/login")).toBe("/auth/login");
    expect(maskSecretPath("/invitesX/abc")).toBe("/invitesX/abc");
  });
});
