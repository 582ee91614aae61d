import type { LoaderFunctionArgs } from "@remix-run/node";
import { isIdpId } from "~/services/connections/identity-providers";
import { serviceProviderMetadataXml } from "~/services/connections/service-provider";
import { serviceProviderValuesFor } from "~/services/connections/service-provider.server";
import { requireOrgMember } from "~/services/identity/guards.server";

/**
 * /orgs/<slug>/sso/sp-metadata?idp=okta — the organization's SP metadata as a file to upload into
 * its IdP (entity ID, ACS, the IdP's NameID format), before the connection exists in Auth0.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const idp = new URL(request.url).searchParams.get("idp");
  const xml = serviceProviderMetadataXml(serviceProviderValuesFor(scope), isIdpId(idp) ? idp : "saml");
  return new Response(xml, {
    headers: {
      "Content-Type": "application/samlmetadata+xml; charset=utf-8",
      "Content-Disposition": `attachment; filename="${scope.org.slug}-sp-metadata.xml"`,
      "Cache-Control": "no-store",
    },
  });
}
