import { describe, expect, it } from "vitest";
import { deployDirectory, deployFileName, secretKeyword } from "./deploy-directory";

/**
 * What the Auth0 Deploy CLI does with a directory at import (auth0/auth0-deploy-cli,
 * src/context/directory/handlers/{connections,organizations}.ts and src/tools/utils.ts
 * keywordReplace): every `*.json` under connections/ and organizations/ is read, its keywords
 * replaced — first `@@KEY@@` (quoted or not) by JSON.stringify(value), then `##KEY##` literally —
 * and the text parsed as JSON. Reproduced here so the test reads the files as the CLI does.
 */
function deployCliRead(text: string, mappings: Record<string, unknown>): unknown {
  let input = text;
  for (const key of Object.keys(mappings)) {
    const pattern = `@@${key}@@`;
    input = input.replace(new RegExp(`'${pattern}'|"${pattern}"|${pattern}`, "g"), () => JSON.stringify(mappings[key]));
  }
  for (const key of Object.keys(mappings)) {
    input = input.replace(new RegExp(`##${key}##`, "g"), () => String(mappings[key]));
  }
  return JSON.parse(input);
}

const secret = 'p@ss"word\\with$&quotes';
const signingKey = {
  key: "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
  cert: "-----BEGIN CERTIFICATE-----\nxyz\n-----END CERTIFICATE-----\n",
};

/** The connection's options, secrets in the clear: what the directory must give back once its keywords are replaced. */
const options = {
  client_id: "abc",
  client_secret: secret,
  signing_key: signingKey,
  domain_aliases: ["acme.com"],
  type: "back_channel",
};

const dir = deployDirectory(
  {
    name: "sso-acme-oidc",
    strategy: "oidc",
    displayName: "Acme",
    options,
    showAsButton: true,
    enabledClients: ["client-b", "client-a"],
    metadata: { portal_org: "0000-org", portal_version: "3" },
  },
  {
    name: "sso-acme",
    displayName: "Acme",
    metadata: { portal_org: "0000-org" },
    connections: [{ name: "sso-acme-oidc", assignMembershipOnLogin: true, showAsButton: true }],
  },
);

describe("the Deploy CLI directory of one organization", () => {
  it("writes connections/<name>.json and organizations/<name>.json", () => {
    expect(Object.keys(dir.files).sort()).toEqual(["connections/sso-acme-oidc.json", "organizations/sso-acme.json"]);
  });

  it("never writes a secret, only ##KEYWORD## / @@KEYWORD@@ placeholders", () => {
    const all = Object.values(dir.files).join("\n");
    expect(all).not.toContain("p@ss");
    expect(all).not.toContain("PRIVATE KEY");
    expect(all).toContain('"client_secret": "##SSO_ACME_OIDC_CLIENT_SECRET##"');
    expect(all).toContain('"signing_key": "@@SSO_ACME_OIDC_SIGNING_KEY@@"');
    expect(Object.keys(dir.keywords).sort()).toEqual(["SSO_ACME_OIDC_CLIENT_SECRET", "SSO_ACME_OIDC_SIGNING_KEY"]);
  });

  it("reads back, keywords replaced as the Deploy CLI does, as the connection the Management API takes", () => {
    const connection = deployCliRead(dir.files["connections/sso-acme-oidc.json"]!, dir.keywords);
    expect(connection).toEqual({
      name: "sso-acme-oidc",
      strategy: "oidc",
      display_name: "Acme",
      show_as_button: true,
      options,
      enabled_clients: ["client-a", "client-b"],
      metadata: { portal_org: "0000-org", portal_version: "3" },
    });
    const org = deployCliRead(dir.files["organizations/sso-acme.json"]!, dir.keywords);
    expect(org).toEqual({
      name: "sso-acme",
      display_name: "Acme",
      metadata: { portal_org: "0000-org" },
      connections: [{ name: "sso-acme-oidc", assign_membership_on_login: true, show_as_button: true }],
    });
  });

  it("names files and keywords safely", () => {
    expect(deployFileName("a/b:c")).toBe("a-b-c");
    expect(secretKeyword("sso-acme-saml", "decryptionKey")).toBe("SSO_ACME_SAML_DECRYPTION_KEY");
  });
});
