import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { GuideSteps } from "~/components/guide-steps";
import { IDENTITY_PROVIDERS, IDP_IDS } from "~/services/connections/identity-providers";
import { serviceProviderValues } from "~/services/connections/service-provider";
import { guideFor, guideValues, parseGuide } from "./index";

/**
 * Every IdP has a guide, and every guide renders every step with this organization's real values:
 * nothing left as a placeholder, the values that matter for its protocol present.
 */
const sp = serviceProviderValues(
  { origin: "https://acme-prod.eu.auth0.com", tenantName: "acme-prod", prefix: "sso" },
  "acme",
);

describe("per-IdP guides", () => {
  it.each(IDP_IDS)("%s: every step renders with real values and no unfilled placeholder", (idp) => {
    const guide = guideFor(idp);
    expect(guide.steps.length).toBeGreaterThanOrEqual(5);
    const values = guideValues(sp, idp, IDENTITY_PROVIDERS[idp].attributes, "Acme SSO");
    const html = renderToStaticMarkup(<GuideSteps guide={guide} values={values} />);
    expect(html).not.toMatch(/\{\{|\}\}|\*\*/);
    expect((html.match(/<li>/g) ?? []).length).toBe(guide.steps.length);
    const text = html.replace(/<[^>]+>/g, "").replace(/&amp;/g, "&");
    if (IDENTITY_PROVIDERS[idp].protocol === "saml") {
      expect(text).toContain(sp.saml.entityId);
      // Google, PingFederate and AD FS may import the SP metadata instead, but every guide names the ACS.
      expect(text).toContain(sp.saml.acsUrl);
    } else {
      expect(text).toContain(sp.oidc.redirectUri);
      expect(text).toContain("openid profile email");
    }
    expect(text).toContain(IDENTITY_PROVIDERS[idp].attributes.email);
    // Every step is a sentence of its own, not an empty bullet.
    for (const step of guide.steps) expect(step.length).toBeGreaterThan(0);
  });

  it("renders IdP values as text, never as markup", () => {
    const guide = guideFor("saml");
    const values = guideValues(
      sp,
      "saml",
      { ...IDENTITY_PROVIDERS.saml.attributes, email: "<img src=x onerror=alert(1)>" },
      "A & B",
    );
    const html = renderToStaticMarkup(<GuideSteps guide={guide} values={values} />);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("refuses a guide with an unknown placeholder or no steps, naming the file", () => {
    expect(() => parseGuide("---\nidp: okta\ntitle: T\nconsole: C\n---\n1. Paste {{acsURL}}.\n", "okta.md")).toThrow(
      /okta\.md: unknown placeholder \{\{acsURL\}\}/,
    );
    expect(() => parseGuide("---\nidp: okta\ntitle: T\nconsole: C\n---\nJust words.\n", "okta.md")).toThrow(
      /no numbered steps/,
    );
  });

  it("writes the ACS URL as an exact pattern for OneLogin's validator", () => {
    const values = guideValues(sp, "onelogin", IDENTITY_PROVIDERS.onelogin.attributes, "Acme SSO");
    expect(new RegExp(values.acsUrlPattern).test(sp.saml.acsUrl)).toBe(true);
    expect(new RegExp(values.acsUrlPattern).test(`${sp.saml.acsUrl}x`)).toBe(false);
  });
});
