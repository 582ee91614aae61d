/**
 * Manual SAML fields ("Sign-in URL", "IdP entity ID", "Signing certificate") as the IdP metadata
 * they stand for, so that they go through the same validator as an uploaded file and get the same
 * report: certificate expiry, key size, fingerprints, https endpoints. Every value is escaped; the
 * certificate is reduced to its base64 body.
 */
function xmlEscape(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** The base64 body of a PEM (or bare base64) certificate; "" when nothing is left. */
export function certificateBody(pemOrBase64: string): string {
  return pemOrBase64.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/[^A-Za-z0-9+/=]/g, "");
}

export interface ManualSamlFields {
  signInUrl: string;
  entityId: string;
  certificate: string;
}

export function metadataFromManualFields(fields: ManualSamlFields): string {
  const md = "urn:oasis:names:tc:SAML:2.0:metadata";
  const ds = "http://www.w3.org/2000/09/xmldsig#";
  const url = xmlEscape(fields.signInUrl.trim());
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${md}" entityID="${xmlEscape(fields.entityId.trim())}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${ds}"><ds:X509Data><ds:X509Certificate>${certificateBody(fields.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${url}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}
