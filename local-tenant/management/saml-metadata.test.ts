import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.js";
import { deriveSamlOptions, HTTP_POST, HTTP_REDIRECT, parseIdpMetadata } from "./saml-metadata.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../tests/fixtures/saml-metadata/${name}`, import.meta.url), "utf8");

function metadata({
  sso,
  slo = "",
  signed = "false",
  cert = "",
}: {
  sso: string;
  slo?: string;
  signed?: string;
  cert?: string;
}): string {
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.test">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="${signed}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${cert}${slo}${sso}
  </md:IDPSSODescriptor></md:EntityDescriptor>`;
}

describe("samlp metadata derivation", () => {
  it("prefers the HTTP-Redirect SSO endpoint and falls back to HTTP-POST", () => {
    const both = metadata({
      sso: `<md:SingleSignOnService Binding="${HTTP_POST}" Location="https://idp.test/post"/><md:SingleSignOnService Binding="${HTTP_REDIRECT}" Location="https://idp.test/redirect"/>`,
    });
    expect(parseIdpMetadata(both)).toEqual({
      signInEndpoint: "https://idp.test/redirect",
      signSAMLRequest: false,
      protocolBinding: HTTP_REDIRECT,
    });
    const postOnly = metadata({
      sso: `<md:SingleSignOnService Binding="${HTTP_POST}" Location="https://idp.test/post"/>`,
      signed: "true",
    });
    expect(parseIdpMetadata(postOnly)).toMatchObject({
      signInEndpoint: "https://idp.test/post",
      protocolBinding: HTTP_POST,
      signSAMLRequest: true,
    });
  });

  it("takes the signing certificate as base64 DER without whitespace", () => {
    const okta = parseIdpMetadata(fixture("saml-okta-1.xml"));
    expect(okta.signingCert).toMatch(/^MII[A-Za-z0-9+/=]+$/);
  });

  it.each([
    ["not XML", "hello"],
    ["no IdP descriptor", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`],
    [
      "only a SOAP endpoint",
      metadata({
        sso: `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.test/soap"/>`,
      }),
    ],
    ["a DOCTYPE", `<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>`],
  ])("refuses metadata with %s as a 400", (_why, xml) => {
    expect(() => parseIdpMetadata(xml)).toThrow(ApiError);
    try {
      parseIdpMetadata(xml);
    } catch (err) {
      expect((err as ApiError).statusCode).toBe(400);
    }
  });

  it("drops metadataXml, lets the XML win over keys beside it and computes thumbprints", async () => {
    const out = await deriveSamlOptions({
      metadataXml: fixture("saml-okta-1.xml"),
      signInEndpoint: "https://stale.test",
      debug: true,
    });
    expect(out).not.toHaveProperty("metadataXml");
    expect(out.signInEndpoint).not.toBe("https://stale.test");
    expect(out.debug).toBe(true);
    expect(out.thumbprints).toEqual([expect.stringMatching(/^[0-9a-f]{40}$/)]);
  });

  it("fetches metadataUrl through the injected fetcher and keeps the URL", async () => {
    const urls: string[] = [];
    const out = await deriveSamlOptions({ metadataUrl: "https://idp.test/md" }, async (url) => {
      urls.push(url);
      return fixture("saml-keycloak-1.xml");
    });
    expect(urls).toEqual(["https://idp.test/md"]);
    expect(out).toMatchObject({ metadataUrl: "https://idp.test/md", signSAMLRequest: true });
  });
});
