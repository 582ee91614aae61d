import { describe, expect, it } from "vitest";
import { detectKind } from "./document-kind";
import { detectProduct } from "./idp-product";

describe("detectProduct", () => {
  it.each([
    ["http://www.okta.com/exk123", "Okta"],
    ["https://acme.oktapreview.com/app/x/sso/saml", "Okta"],
    ["https://sts.windows.net/9a95fd9e-005d-487a-9a01-d08c1eab2757/", "Microsoft Entra ID"],
    ["https://login.microsoftonline.com/common/v2.0", "Microsoft Entra ID"],
    ["http://fs.acme.com/adfs/services/trust", "Microsoft AD FS"],
    ["https://accounts.google.com/o/saml2?idpid=C01", "Google Workspace"],
    ["https://app.onelogin.com/saml/metadata/123", "OneLogin"],
    ["https://sso.jumpcloud.com/saml2/acme", "JumpCloud"],
    ["https://auth.pingone.eu/abc/saml20/idp/sso", "Ping Identity"],
    ["https://sso.acme.com/idp/SSO.saml2", "Ping Identity"],
    ["https://kc.acme.com/realms/acme/protocol/saml", "Keycloak"],
    ["urn:dev-abc.auth0.com", "Auth0"],
    ["https://idp.acme.edu/idp/shibboleth", "Shibboleth"],
  ])("%s is %s", (value, product) => {
    expect(detectProduct([undefined, value], "other")).toBe(product);
  });

  it("falls back when nothing matches", () => {
    expect(detectProduct(["https://idp.example.com/sso"], "Other SAML 2.0 identity provider")).toBe(
      "Other SAML 2.0 identity provider",
    );
  });
});

describe("detectKind", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it("tells XML, a discovery document and a key set apart", () => {
    expect(detectKind(enc("\uFEFF  <md:EntityDescriptor/>"))).toBe("saml-metadata");
    expect(detectKind(Buffer.from("<x/>", "utf16le"))).toBe("saml-metadata");
    expect(detectKind(enc('{"issuer":"https://x"}'))).toBe("oidc-discovery");
    expect(detectKind(enc('{"keys":[]}'))).toBe("jwks");
    expect(detectKind('{"keys": not json')).toBe("oidc-discovery");
    expect(detectKind(enc("hello"))).toBeNull();
  });

  it("guesses an empty document's kind from its name", () => {
    expect(detectKind(new Uint8Array(), "metadata.xml")).toBe("saml-metadata");
    expect(detectKind(new Uint8Array(), "jwks.json")).toBe("jwks");
    expect(detectKind(new Uint8Array(), "openid.json")).toBe("oidc-discovery");
    expect(detectKind(new Uint8Array(), "upload")).toBeNull();
  });
});
