import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateOidcDiscovery, validateSamlMetadata } from "~/validators/index";
import { desiredApplySchema } from "../apply/jobs.server";
import { isSealed, openJson, secretsKeyFrom } from "../platform/secrets.server";
import { connectionConfigurationSchema } from "./configuration";
import { configurationFromReport, desiredStateFor, ReportNotUsableError } from "./configuration.server";
import { IDENTITY_PROVIDERS, productMismatch } from "./identity-providers";
import { metadataFromManualFields } from "./manual-metadata";
import { serviceProviderMetadataXml, serviceProviderValues } from "./service-provider";

const FIXTURES = join(import.meta.dirname, "../../../tests/fixtures/idp-documents");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const NOW = new Date("2026-11-22T00:00:00Z");
const key = secretsKeyFrom(randomBytes(32));
const TEST_CERT = readFileSync(join(import.meta.dirname, "../idp-documents/testdata/test-cert.pem"), "utf8");

describe("configuration from a validation report", () => {
  it("turns Okta metadata into a SAML configuration and the apply engine's desired state", () => {
    const report = validateSamlMetadata(fixture("saml-okta-1.xml"), { now: NOW });
    expect(report.verdict).toBe("ok");
    const config = configurationFromReport(report, {
      idp: "okta",
      source: { kind: "file", fileName: "okta.xml" },
      mapping: IDENTITY_PROVIDERS.okta.attributes,
    });
    expect(config.protocol).toBe("saml");
    if (config.protocol !== "saml") return;
    expect(config.entityId).toBe(report.facts.entityId);
    expect(config.options.signInEndpoint).toMatch(/^https:\/\/.*okta\.com\//);

    const desired = desiredApplySchema.parse(desiredStateFor(config, { version: 3, displayName: "Acme" }));
    expect(desired.connection).toMatchObject({ protocol: "saml", strategy: "samlp", version: 3, displayName: "Acme" });
    expect(desired.connection.options).toMatchObject({
      signInEndpoint: config.options.signInEndpoint,
      signingCert: config.options.signingCert,
      fieldsMap: { email: "email", given_name: "given_name", family_name: "family_name", groups: "groups" },
    });
    // The portal owns signOutEndpoint even when this metadata has none: an old one is removed.
    expect(desired.connection.managedOptionKeys).toContain("signOutEndpoint");
  });

  it("seals the OIDC client secret: the configuration and the desired state carry only the envelope", () => {
    const report = validateOidcDiscovery(fixture("oidc-okta.json"), { now: NOW });
    const secret = "s3cr3t-value-for-the-test-0123456789";
    const config = configurationFromReport(
      report,
      {
        idp: "oidc",
        source: { kind: "discovery", url: "https://example.okta.com/oauth2/default/.well-known/openid-configuration" },
        mapping: { ...IDENTITY_PROVIDERS.oidc.attributes, groups: "roles" },
        oidc: { clientType: "back_channel", clientId: " 0oa1client ", clientSecret: secret },
      },
      { secretsKey: key },
    );
    expect(JSON.stringify(config)).not.toContain(secret);
    if (config.protocol !== "oidc") throw new Error("expected oidc");
    expect(config.clientId).toBe("0oa1client");
    expect(isSealed(config.clientSecret)).toBe(true);
    expect(openJson(config.clientSecret!, key)).toBe(secret);

    const desired = desiredApplySchema.parse(desiredStateFor(config, { version: 1, displayName: "Acme" }));
    expect(JSON.stringify(desired)).not.toContain(secret);
    expect(desired.connection.options).toMatchObject({
      type: "back_channel",
      client_id: "0oa1client",
      client_secret: config.clientSecret,
      issuer: report.options!.issuer,
      // Only the claim that differs from Auth0's own name is mapped.
      attribute_map: { mapping_mode: "bind_all", attributes: { groups: "${context.tokenset.id_token.roles}" } },
    });
  });

  it("keeps a stored sealed secret as it is and drops the secret of a front-channel client", () => {
    const report = validateOidcDiscovery(fixture("oidc-okta.json"), { now: NOW });
    const stored = { $sealed: "v1.abcd1234.iv.body" };
    const base = {
      idp: "oidc" as const,
      source: { kind: "discovery" as const, url: "https://example.okta.com/.well-known/openid-configuration" },
      mapping: IDENTITY_PROVIDERS.oidc.attributes,
    };
    const kept = configurationFromReport(report, {
      ...base,
      oidc: { clientType: "back_channel", clientId: "c", clientSecret: stored },
    });
    expect(kept.protocol === "oidc" && kept.clientSecret).toEqual(stored);
    const front = configurationFromReport(report, {
      ...base,
      oidc: { clientType: "front_channel", clientId: "c", clientSecret: "ignored-secret" },
    });
    expect(front.protocol === "oidc" && front.clientSecret).toBeNull();
    expect(() =>
      configurationFromReport(report, { ...base, oidc: { clientType: "back_channel", clientId: "c" } }),
    ).toThrow();
  });

  it("refuses a report with errors, or of the wrong protocol for the chosen IdP", () => {
    const broken = validateSamlMetadata(fixture("saml-sp-only-1.xml"), { now: NOW });
    const input = {
      idp: "okta" as const,
      source: { kind: "manual" as const },
      mapping: IDENTITY_PROVIDERS.okta.attributes,
    };
    expect(() => configurationFromReport(broken, input)).toThrow(ReportNotUsableError);
    const oidc = validateOidcDiscovery(fixture("oidc-okta.json"), { now: NOW });
    expect(() => configurationFromReport(oidc, input)).toThrow(ReportNotUsableError);
  });

  it("validates manual fields through the metadata validator, escaping what was typed", () => {
    const xml = metadataFromManualFields({
      signInUrl: "https://idp.example.com/sso?a=1&b=2",
      entityId: 'https://idp.example.com/"><evil/>',
      certificate: TEST_CERT,
    });
    const report = validateSamlMetadata(xml, { now: NOW });
    expect(report.errors).toEqual([]);
    expect(report.facts.entityId).toBe('https://idp.example.com/"><evil/>');
    expect(report.facts.ssoServices.map((s) => s.location)).toContain("https://idp.example.com/sso?a=1&b=2");
    expect(report.facts.certificates[0]?.keySize).toBe(2048);
    const config = configurationFromReport(report, {
      idp: "saml",
      source: { kind: "manual" },
      mapping: IDENTITY_PROVIDERS.saml.attributes,
    });
    expect(connectionConfigurationSchema.parse(config)).toEqual(config);
  });
});

describe("service provider values", () => {
  const values = serviceProviderValues(
    { origin: "https://acme-prod.eu.auth0.com/", tenantName: "acme-prod", prefix: "sso" },
    "globex",
  );

  it("are Auth0's values for the organization's own connections", () => {
    expect(values.saml).toEqual({
      connectionName: "sso-globex-saml",
      acsUrl: "https://acme-prod.eu.auth0.com/login/callback?connection=sso-globex-saml",
      entityId: "urn:auth0:acme-prod:sso-globex-saml",
      metadataUrl: "https://acme-prod.eu.auth0.com/samlp/metadata?connection=sso-globex-saml",
    });
    expect(values.oidc.redirectUri).toBe("https://acme-prod.eu.auth0.com/login/callback");
    expect(values.oidc.scopes).toBe("openid profile email");
  });

  it("SP metadata names the entity ID, the ACS and the IdP's NameID format", () => {
    const xml = serviceProviderMetadataXml(values, "keycloak");
    expect(xml).toContain('entityID="urn:auth0:acme-prod:sso-globex-saml"');
    expect(xml).toContain('Location="https://acme-prod.eu.auth0.com/login/callback?connection=sso-globex-saml"');
    expect(xml).toContain("nameid-format:persistent");
  });
});

describe("detected product against the chosen IdP", () => {
  it("flags a known other product, never an unknown one or an 'Other' choice", () => {
    expect(productMismatch("okta", "Microsoft Entra ID")).toBe(true);
    expect(productMismatch("okta", "Okta")).toBe(false);
    expect(productMismatch("okta", "Other SAML 2.0 identity provider")).toBe(false);
    expect(productMismatch("saml", "Okta")).toBe(false);
  });
});
