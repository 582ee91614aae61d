import { startDemoOidcIdp, type DemoOidcIdp } from "./oidc-idp.js";
import { startDemoSamlIdp, type DemoSamlIdp } from "./saml-idp.js";

export { SAML_MISBEHAVIOURS, DEMO_IDP_PASSWORD, SAML_DEMO_USERS, type SamlMisbehaviour } from "./saml-idp.js";
export { OIDC_DEMO_USERS, OIDC_DEMO_CLIENT_ID } from "./oidc-idp.js";

export interface DemoIdps {
  saml: DemoSamlIdp;
  oidc: DemoOidcIdp;
  /** Lines for a console: where the IdPs are and how to sign in at them. */
  describe(): string[];
  close(): Promise<void>;
}

/** Both demo IdPs, for a tenant at `tenantUrl` (npm start: SAML on :4020, OIDC on :4030). */
export async function startDemoIdps(opts: {
  tenantUrl: string;
  samlPort?: number;
  oidcPort?: number;
  hostname?: string;
}): Promise<DemoIdps> {
  const callback = `${opts.tenantUrl.replace(/\/$/, "")}/login/callback`;
  const saml = await startDemoSamlIdp({
    port: opts.samlPort ?? 0,
    hostname: opts.hostname,
    allowAcs: (acs) => acs === callback || acs.startsWith(`${callback}?`),
  });
  let oidc: DemoOidcIdp;
  try {
    oidc = await startDemoOidcIdp({ port: opts.oidcPort ?? 0, hostname: opts.hostname, redirectUris: [callback] });
  } catch (err) {
    await saml.close();
    throw err;
  }
  return {
    saml,
    oidc,
    describe: () => [
      `  demo SAML IdP:       ${saml.url}  (metadata ${saml.metadataUrl})`,
      `    sign in as ${saml.users.map((u) => u.email).join(" or ")}, password ${saml.password}`,
      `  demo OIDC IdP:       ${oidc.url}  (discovery ${oidc.discoveryUrl})`,
      `    client id ${oidc.client.clientId}, secret ${oidc.client.clientSecret}`,
      `    sign in as ${oidc.users.map((u) => u.email).join(" or ")}, password ${oidc.password}`,
    ],
    close: async () => {
      await Promise.allSettled([saml.close(), oidc.close()]);
    },
  };
}

/** Options of an Auth0 OIDC connection to the demo OIDC IdP: back channel, its client and secret. */
export function demoOidcConnectionOptions(oidc: DemoOidcIdp) {
  return {
    type: "back_channel",
    discovery_url: oidc.discoveryUrl,
    client_id: oidc.client.clientId,
    client_secret: oidc.client.clientSecret,
    scope: "openid profile email",
  };
}
