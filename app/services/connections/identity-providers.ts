/**
 * The identity providers a customer can pick in the setup wizard: their protocol, the name the
 * validators' product detection gives them (to say whether an uploaded document matches the choice)
 * and the attribute names each one sends by default, which prefill the attribute mapping and fill
 * the guides (app/guides). Isomorphic: the wizard's form and the server both read it.
 */

export const IDP_IDS = [
  "okta",
  "entra",
  "google",
  "adfs",
  "onelogin",
  "pingfederate",
  "jumpcloud",
  "keycloak",
  "saml",
  "oidc",
] as const;
export type IdpId = (typeof IDP_IDS)[number];

export type Protocol = "saml" | "oidc";

/** The user profile fields the mapping covers, with the Auth0 profile attribute each fills. */
export const MAPPED_FIELDS = ["email", "givenName", "familyName", "groups"] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];
export type AttributeMapping = Record<MappedField, string>;

export const MAPPED_FIELD_LABEL: Record<MappedField, string> = {
  email: "Email",
  givenName: "Given name",
  familyName: "Family name",
  groups: "Groups",
};

/** The Auth0 user profile attribute each mapped field fills (`fieldsMap` keys). */
export const AUTH0_PROFILE_ATTRIBUTE: Record<MappedField, string> = {
  email: "email",
  givenName: "given_name",
  familyName: "family_name",
  groups: "groups",
};

export interface IdentityProvider {
  id: IdpId;
  /** The name shown on the choice and in headings. */
  name: string;
  protocol: Protocol;
  /** What app/validators/idp-product.ts calls a document from this product; null: anything goes. */
  detectedAs: string | null;
  /** The attribute (SAML) or claim (OIDC) names this IdP sends by default or that the guide sets up. */
  attributes: AttributeMapping;
  /** NameID format the guide asks for (SAML). */
  nameIdFormat?: string;
}

const CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
const PLAIN: AttributeMapping = {
  email: "email",
  givenName: "given_name",
  familyName: "family_name",
  groups: "groups",
};
const MICROSOFT: AttributeMapping = {
  email: `${CLAIMS}/emailaddress`,
  givenName: `${CLAIMS}/givenname`,
  familyName: `${CLAIMS}/surname`,
  groups: "http://schemas.xmlsoap.org/claims/Group",
};
const EMAIL_NAME_ID = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const PERSISTENT_NAME_ID = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

export const IDENTITY_PROVIDERS: Record<IdpId, IdentityProvider> = {
  okta: {
    id: "okta",
    name: "Okta",
    protocol: "saml",
    detectedAs: "Okta",
    attributes: PLAIN,
    nameIdFormat: EMAIL_NAME_ID,
  },
  entra: {
    id: "entra",
    name: "Microsoft Entra ID",
    protocol: "saml",
    detectedAs: "Microsoft Entra ID",
    attributes: { ...MICROSOFT, groups: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups" },
    nameIdFormat: EMAIL_NAME_ID,
  },
  google: {
    id: "google",
    name: "Google Workspace",
    protocol: "saml",
    detectedAs: "Google Workspace",
    attributes: PLAIN,
    nameIdFormat: EMAIL_NAME_ID,
  },
  adfs: {
    id: "adfs",
    name: "AD FS",
    protocol: "saml",
    detectedAs: "Microsoft AD FS",
    attributes: MICROSOFT,
    nameIdFormat: EMAIL_NAME_ID,
  },
  onelogin: {
    id: "onelogin",
    name: "OneLogin",
    protocol: "saml",
    detectedAs: "OneLogin",
    attributes: PLAIN,
    nameIdFormat: EMAIL_NAME_ID,
  },
  pingfederate: {
    id: "pingfederate",
    name: "PingFederate",
    protocol: "saml",
    detectedAs: "Ping Identity",
    attributes: PLAIN,
    nameIdFormat: EMAIL_NAME_ID,
  },
  jumpcloud: {
    id: "jumpcloud",
    name: "JumpCloud",
    protocol: "saml",
    detectedAs: "JumpCloud",
    attributes: PLAIN,
    nameIdFormat: EMAIL_NAME_ID,
  },
  keycloak: {
    id: "keycloak",
    name: "Keycloak",
    protocol: "saml",
    detectedAs: "Keycloak",
    attributes: PLAIN,
    nameIdFormat: PERSISTENT_NAME_ID,
  },
  saml: {
    id: "saml",
    name: "Other SAML 2.0",
    protocol: "saml",
    detectedAs: null,
    attributes: MICROSOFT,
    nameIdFormat: EMAIL_NAME_ID,
  },
  oidc: {
    id: "oidc",
    name: "Other OpenID Connect",
    protocol: "oidc",
    detectedAs: null,
    attributes: PLAIN,
  },
};

export function isIdpId(value: unknown): value is IdpId {
  return typeof value === "string" && (IDP_IDS as readonly string[]).includes(value);
}

/**
 * Whether a detected product contradicts the chosen IdP: only when the detection found a known
 * product and the choice names a different one ("Other …" accepts anything).
 */
export function productMismatch(idp: IdpId, detectedProduct: string | undefined): boolean {
  const expected = IDENTITY_PROVIDERS[idp].detectedAs;
  if (!expected || !detectedProduct) return false;
  const known =
    Object.values(IDENTITY_PROVIDERS).some((p) => p.detectedAs === detectedProduct) ||
    ["Auth0", "Shibboleth"].includes(detectedProduct);
  return known && detectedProduct !== expected;
}
