import { describe, expect, it } from "vitest";
import { chooseIdpSchema, oidcDetailsSchema, samlDetailsSchema, saveDraftSchema } from "./sso-setup";

/** The wizard's schemas say what is wrong in words, on the field it concerns (browser and action alike). */
function errorsOf(result: { success: boolean; error?: { issues: { path: (string | number)[]; message: string }[] } }) {
  return Object.fromEntries((result.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));
}

const mapping = { emailAttribute: "email", givenNameAttribute: "", familyNameAttribute: "", groupsAttribute: "" };

describe("setup wizard schemas", () => {
  it("asks for an IdP from the list", () => {
    expect(errorsOf(chooseIdpSchema.safeParse({}))).toEqual({ idp: "Choose your identity provider." });
    expect(errorsOf(chooseIdpSchema.safeParse({ idp: "evil" }))).toEqual({ idp: "Choose your identity provider." });
    expect(chooseIdpSchema.parse({ idp: "okta" })).toEqual({ idp: "okta" });
  });

  it("SAML: asks only for what the chosen way needs, with URLs checked", () => {
    expect(errorsOf(samlDetailsSchema.safeParse({ givenBy: "url", ...mapping }))).toEqual({
      metadataUrl: "Enter your IdP's metadata URL.",
    });
    expect(
      errorsOf(samlDetailsSchema.safeParse({ givenBy: "url", metadataUrl: "javascript:alert(1)", ...mapping })),
    ).toMatchObject({ metadataUrl: expect.stringContaining("https://") });
    expect(errorsOf(samlDetailsSchema.safeParse({ givenBy: "manual", ...mapping }))).toEqual({
      signInUrl: "Enter your IdP's sign-in URL (its SAML single sign-on URL).",
      entityId: "Enter your IdP's entity ID (also called issuer).",
    });
    // A file is checked by the action (it is not a text field); the URL fields do not matter then.
    expect(samlDetailsSchema.safeParse({ givenBy: "file", metadataUrl: "not a url", ...mapping }).success).toBe(true);
    expect(
      errorsOf(samlDetailsSchema.safeParse({ givenBy: "url", metadataUrl: "https://idp.example.com/md" })),
    ).toEqual({
      emailAttribute: "Name the attribute that carries the e-mail address.",
    });
  });

  it("OIDC: the secret is needed for a back-channel client unless one is stored", () => {
    const base = {
      discoveryUrl: "https://idp.example.com/.well-known/openid-configuration",
      clientId: "abc",
      ...mapping,
    };
    expect(errorsOf(oidcDetailsSchema.safeParse({ ...base, clientType: "back_channel" }))).toEqual({
      clientSecret: "Enter the client secret, or choose front channel if your application has none.",
    });
    expect(oidcDetailsSchema.safeParse({ ...base, clientType: "back_channel", credentialStored: "yes" }).success).toBe(
      true,
    );
    expect(oidcDetailsSchema.safeParse({ ...base, clientType: "front_channel" }).success).toBe(true);
    const r = oidcDetailsSchema.safeParse({
      clientType: "back_channel",
      clientSecret: "hunter2-secret-value",
      ...mapping,
    });
    // The secret is never part of a message.
    expect(JSON.stringify(errorsOf(r))).not.toContain("hunter2");
    expect(Object.keys(errorsOf(r))).toEqual(["discoveryUrl", "clientId"]);
  });

  it("saving with warnings needs the acknowledgement", () => {
    expect(errorsOf(saveDraftSchema.safeParse({ hasWarnings: "yes", expectedVersion: "2" }))).toEqual({
      acknowledge: "Read the warnings above and tick the box to confirm before saving.",
    });
    expect(saveDraftSchema.safeParse({ hasWarnings: "yes", acknowledge: "on", expectedVersion: "2" }).success).toBe(
      true,
    );
    expect(saveDraftSchema.safeParse({ expectedVersion: "" }).success).toBe(true);
    expect(saveDraftSchema.safeParse({ expectedVersion: "1; drop table" }).success).toBe(false);
  });
});
