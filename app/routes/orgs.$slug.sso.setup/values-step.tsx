import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { CopyValue } from "~/components/copy-value";
import { GuideSteps } from "~/components/guide-steps";
import { MAPPED_FIELD_LABEL, MAPPED_FIELDS } from "~/services/connections/identity-providers";
import type { loader } from "./route";

/** Step 2: the values to type into the IdP, and the IdP's own guide with them filled in. */
export function ValuesStep() {
  const { idp, sp, guide, guideValues, org } = useLoaderData<typeof loader>();
  if (!idp || !guide || !guideValues) return null;
  const saml = idp.protocol === "saml";
  return (
    <section aria-labelledby="step-title" className="stack">
      <h3 id="step-title">Values for {idp.label}</h3>
      <p>
        {saml
          ? `These are ${org.name}'s own values. Copy each into ${idp.label} as the guide below says.`
          : `Register an application in your identity provider with these values.`}
      </p>
      <dl className="sp-values">
        {saml ? (
          <>
            <dt>ACS URL (Assertion Consumer Service)</dt>
            <dd>
              <CopyValue value={sp.saml.acsUrl} label="ACS URL" />
            </dd>
            <dt>SP entity ID (audience)</dt>
            <dd>
              <CopyValue value={sp.saml.entityId} label="SP entity ID" />
            </dd>
            <dt>NameID format</dt>
            <dd>
              <CopyValue value={guideValues.nameIdFormat} label="NameID format" />
            </dd>
            <dt>SP metadata</dt>
            <dd>
              <a className="button secondary" href={`/orgs/${org.slug}/sso/sp-metadata?idp=${idp.id}`} download>
                Download SP metadata
              </a>
              <p className="hint">
                For identity providers that import a file. Once the connection exists, the same metadata is also served
                at <CopyValue value={sp.saml.metadataUrl} label="SP metadata URL" />
              </p>
            </dd>
          </>
        ) : (
          <>
            <dt>Redirect URI (callback URL)</dt>
            <dd>
              <CopyValue value={sp.oidc.redirectUri} label="redirect URI" />
            </dd>
            <dt>Scopes</dt>
            <dd>
              <CopyValue value={sp.oidc.scopes} label="scopes" />
            </dd>
            <dt>Initiate login URI (if asked)</dt>
            <dd>
              <CopyValue value={sp.oidc.loginUrl} label="initiate login URI" />
            </dd>
          </>
        )}
      </dl>
      <h4>{saml ? "Attributes to send" : "Claims to send"}</h4>
      <table>
        <thead>
          <tr>
            <th scope="col">User profile</th>
            <th scope="col">{saml ? "Attribute name" : "Claim name"}</th>
          </tr>
        </thead>
        <tbody>
          {MAPPED_FIELDS.map((f) => {
            const key = `attr.${f}` as const;
            return (
              <tr key={f}>
                <td>
                  {MAPPED_FIELD_LABEL[f]}
                  {f === "email" ? "" : " (optional)"}
                </td>
                <td>
                  <CopyValue value={guideValues[key]} label={`${MAPPED_FIELD_LABEL[f]} attribute name`} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <section aria-labelledby="guide-title" className="stack">
        <h4 id="guide-title">{guide.title}</h4>
        <GuideSteps guide={guide} values={guideValues} />
      </section>
      <div className="button-row">
        <Link className="button secondary" to={`/orgs/${org.slug}/sso/setup?step=idp`}>
          Back
        </Link>
        <Link className="button" to={`/orgs/${org.slug}/sso/setup?step=details`}>
          Continue to the details of {idp.label}
        </Link>
      </div>
    </section>
  );
}
