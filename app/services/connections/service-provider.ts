import { connectionName } from "../auth0/naming";
import { IDENTITY_PROVIDERS, type IdpId } from "./identity-providers";

/**
 * The values a customer types into their IdP (the service provider's side), for this
 * organization's own connection, before it exists: Auth0 derives them from the tenant and the
 * connection's name, and the name is derived from the organization's slug (naming.ts).
 */
export interface ServiceProviderValues {
  saml: {
    connectionName: string;
    acsUrl: string;
    entityId: string;
    /** Where the tenant serves the SP metadata once the connection exists. */
    metadataUrl: string;
  };
  oidc: {
    connectionName: string;
    redirectUri: string;
    scopes: string;
    /** The sign-in URL some IdPs ask for (initiate login): the tenant's authorize with the connection. */
    loginUrl: string;
  };
}

export interface TenantSide {
  /** The tenant's origin, e.g. https://acme.eu.auth0.com (no trailing slash). */
  origin: string;
  /** The tenant's name, e.g. acme (SP entity IDs are urn:auth0:<tenant>:<connection>). */
  tenantName: string;
  /** AUTH0_CONNECTION_PREFIX. */
  prefix: string;
}

export const OIDC_SCOPES = "openid profile email";
export const SAML_POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

export function serviceProviderValues(tenant: TenantSide, slug: string): ServiceProviderValues {
  const origin = tenant.origin.replace(/\/+$/, "");
  const saml = connectionName(tenant.prefix, slug, "saml");
  const oidc = connectionName(tenant.prefix, slug, "oidc");
  return {
    saml: {
      connectionName: saml,
      acsUrl: `${origin}/login/callback?connection=${saml}`,
      entityId: `urn:auth0:${tenant.tenantName}:${saml}`,
      metadataUrl: `${origin}/samlp/metadata?connection=${saml}`,
    },
    oidc: {
      connectionName: oidc,
      redirectUri: `${origin}/login/callback`,
      scopes: OIDC_SCOPES,
      loginUrl: `${origin}/authorize?connection=${oidc}`,
    },
  };
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The SP metadata a customer can upload into their IdP instead of typing the values: entity ID,
 * the ACS (HTTP-POST) and the NameID format the chosen IdP's guide asks for. Made by the portal,
 * because the tenant serves its own copy only once the connection exists.
 */
export function serviceProviderMetadataXml(values: ServiceProviderValues, idp: IdpId): string {
  const nameIdFormat = IDENTITY_PROVIDERS[idp].nameIdFormat ?? IDENTITY_PROVIDERS.saml.nameIdFormat!;
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${xmlEscape(values.saml.entityId)}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="false" WantAssertionsSigned="true">
    <md:NameIDFormat>${xmlEscape(nameIdFormat)}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="${SAML_POST_BINDING}" Location="${xmlEscape(values.saml.acsUrl)}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}
