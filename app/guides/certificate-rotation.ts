import type { IdpId } from "~/services/connections/identity-providers";

/**
 * How to rotate the SAML signing certificate in each IdP's own console, for the expiry reminders
 * and the organization's SSO page. Plain sentences (mail text and page text); the last step is
 * always the portal's: upload the new metadata in the setup wizard, test, go live.
 */
const ROTATION_STEPS: Partial<Record<IdpId, string[]>> = {
  okta: [
    "In the Okta Admin Console open Applications → your application → Sign On.",
    "Under SAML Signing Certificates choose Generate new certificate, then set the new one active (Actions → Activate).",
    "Download the new identity provider metadata (Actions → View IdP metadata).",
  ],
  entra: [
    "In the Microsoft Entra admin center open Enterprise applications → your application → Single sign-on.",
    "Under SAML Certificates choose Edit, then New Certificate, and Save; make the new certificate active.",
    "Download the Federation Metadata XML.",
  ],
  google: [
    "In the Google Admin console open Apps → Web and mobile apps → your SAML app → Service provider details.",
    "Choose Manage certificates, add a certificate, and make it the app's certificate.",
    "Download the new IdP metadata.",
  ],
  adfs: [
    "In AD FS Management open Service → Certificates and add a new token-signing certificate (or let AutoCertificateRollover create one).",
    "Make the new certificate primary once it is published.",
    "Download the federation metadata from /FederationMetadata/2007-06/FederationMetadata.xml.",
  ],
  onelogin: [
    "In OneLogin Administration open Security → Certificates and create a new certificate.",
    "Open Applications → your application → SSO and select the new certificate; Save.",
    "Download the SAML metadata (More Actions → SAML Metadata).",
  ],
  pingfederate: [
    "In PingFederate open Security → Signing & Decryption Keys & Certificates and create or import a new signing certificate.",
    "In your SP connection's Credentials, select the new signing certificate and save.",
    "Export the connection's metadata.",
  ],
  jumpcloud: [
    "In the JumpCloud Admin Portal open SSO Applications → your application → SSO.",
    "Replace the IdP certificate and private key (or generate new ones) and Save.",
    "Export the metadata.",
  ],
  keycloak: [
    "In the Keycloak admin console open Realm settings → Keys → Providers and add an rsa-generated key with a higher priority.",
    "Wait until the new key is active, then download the realm's SAML descriptor (/realms/<realm>/protocol/saml/descriptor).",
  ],
};

const GENERIC = [
  "In your identity provider's console create a new signing certificate for this application and make it active.",
  "Download the identity provider's new SAML metadata (or copy its new certificate).",
];

const PORTAL_STEP =
  "In the portal, open SSO setup, upload the new metadata (or give its URL), check the report, test the login, and go live.";

export function rotationSteps(idp: IdpId): string[] {
  return [...(ROTATION_STEPS[idp] ?? GENERIC), PORTAL_STEP];
}
