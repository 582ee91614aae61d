import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { useEffect, useState } from "react";
import { useRemixFormContext } from "remix-hook-form";
import {
  FileField,
  RadioGroupField,
  SchemaForm,
  SubmitButton,
  TextAreaField,
  TextField,
  useSchemaForm,
} from "~/components/form";
import { oidcDetailsSchema, samlDetailsSchema } from "~/forms/sso-setup";
import type { loader } from "./route";

const MAX_METADATA_BYTES = 1024 * 1024;

/**
 * Step 3: the IdP's side. Without JavaScript every way of giving it is shown and the chosen
 * radio decides; with it, only the chosen one is.
 */
function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

function MappingFields({ protocol, idpName }: { protocol: "saml" | "oidc"; idpName: string }) {
  const what = protocol === "saml" ? "attribute" : "claim";
  return (
    <details className="mapping">
      <summary>Attribute mapping (optional)</summary>
      <p className="hint">
        The {what} names {idpName} sends, prefilled with its defaults. Change them only if you renamed them there.
      </p>
      <div className="field-grid">
        <TextField name="emailAttribute" label={`E-mail ${what}`} />
        <TextField name="givenNameAttribute" label={`Given name ${what}`} />
        <TextField name="familyNameAttribute" label={`Family name ${what}`} />
        <TextField name="groupsAttribute" label={`Groups ${what}`} />
      </div>
    </details>
  );
}

/** The attribute mapping fields' values, as the page last saved them. */
function mappingDefaults(d: Record<(typeof MAPPING_FIELDS)[number], string>) {
  return Object.fromEntries(MAPPING_FIELDS.map((k) => [k, d[k]]));
}
const MAPPING_FIELDS = ["emailAttribute", "givenNameAttribute", "familyNameAttribute", "groupsAttribute"] as const;

function SamlMethodSections({ fileKept }: { fileKept: string }) {
  const hydrated = useHydrated();
  const { watch } = useRemixFormContext<Record<string, string>>();
  const method = watch("givenBy");
  const show = (m: string) => !hydrated || method === m;
  return (
    <>
      <div className="method-section" hidden={!show("url")}>
        <TextField
          name="metadataUrl"
          type="url"
          label="Metadata URL"
          hint="The https address your IdP publishes its SAML metadata at. It is fetched once now, from the internet."
        />
      </div>
      <div className="method-section" hidden={!show("file")}>
        <FileField
          name="metadataFile"
          label="Metadata file"
          accept=".xml,application/xml,text/xml,application/samlmetadata+xml"
          maxBytes={MAX_METADATA_BYTES}
          hint={
            fileKept
              ? `${fileKept} is kept from your last check. Choose a file only to replace it. At most 1 MB.`
              : "The XML file your IdP lets you download (often called federation metadata). At most 1 MB."
          }
        />
      </div>
      <div className="method-section stack" hidden={!show("manual")}>
        <TextField name="signInUrl" type="url" label="Sign-in URL" hint="Your IdP's SAML single sign-on URL." />
        <TextField name="entityId" label="IdP entity ID" hint="Also called issuer or identifier." />
        <TextAreaField
          name="certificate"
          label="Signing certificate"
          rows={6}
          hint="Paste the certificate (PEM, starting with -----BEGIN CERTIFICATE-----), or upload its file below."
        />
        <FileField
          name="certificateFile"
          label="Signing certificate file"
          accept=".pem,.cer,.crt,.txt"
          maxBytes={64 * 1024}
        />
      </div>
    </>
  );
}

/** The end of both forms: the optional attribute mapping, Back, and Check. */
function MappingAndCheck({ protocol, idpLabel, slug }: { protocol: "saml" | "oidc"; idpLabel: string; slug: string }) {
  return (
    <>
      <MappingFields protocol={protocol} idpName={idpLabel} />
      <div className="button-row">
        <Link className="button secondary" to={`/orgs/${slug}/sso/setup?step=values`}>
          Back
        </Link>
        <SubmitButton>Check</SubmitButton>
      </div>
    </>
  );
}

function SamlDetails() {
  const { details, idp, org } = useLoaderData<typeof loader>();
  const form = useSchemaForm(samlDetailsSchema, {
    intent: "saml-details",
    defaultValues: {
      givenBy: details.givenBy,
      metadataUrl: details.metadataUrl,
      signInUrl: details.signInUrl,
      entityId: details.entityId,
      certificate: details.certificate,
      ...mappingDefaults(details),
    },
    hidden: { fileKept: details.fileKept },
  });
  return (
    <SchemaForm form={form} className="stack" aria-label={`Details of ${idp!.label}`} encType="multipart/form-data">
      <RadioGroupField
        name="givenBy"
        legend={`How do you give the details of ${idp!.label}?`}
        className="method-choices"
        options={[
          { value: "url", label: "By its metadata URL", hint: "Best: the portal can notice when it changes." },
          { value: "file", label: "By uploading its metadata file" },
          { value: "manual", label: "By typing the details in", hint: "When your IdP offers no metadata." },
        ]}
      />
      <SamlMethodSections fileKept={details.fileKept} />
      <MappingAndCheck protocol="saml" idpLabel={idp!.label} slug={org.slug} />
    </SchemaForm>
  );
}

function OidcDetails() {
  const { details, idp, org } = useLoaderData<typeof loader>();
  const form = useSchemaForm(oidcDetailsSchema, {
    intent: "oidc-details",
    defaultValues: {
      discoveryUrl: details.discoveryUrl,
      clientId: details.clientId,
      clientType: details.clientType,
      ...mappingDefaults(details),
    },
    hidden: { credentialStored: details.credentialStored },
  });
  return (
    <SchemaForm form={form} className="stack" aria-label={`Details of ${idp!.label}`}>
      <TextField
        name="discoveryUrl"
        type="url"
        label="Discovery URL"
        hint="Your provider's issuer followed by /.well-known/openid-configuration."
      />
      <TextField name="clientId" label="Client ID" />
      <RadioGroupField
        name="clientType"
        legend="Client type"
        options={[
          {
            value: "back_channel",
            label: "Back channel (confidential client)",
            hint: "Recommended. Needs the client's secret.",
          },
          { value: "front_channel", label: "Front channel (no secret)" },
        ]}
      />
      <TextField
        name="clientSecret"
        type="password"
        label={details.credentialStored ? "Replace the client secret" : "Client secret"}
        autoComplete="new-password"
        hint={
          details.credentialStored
            ? "A secret is stored (encrypted, never shown). Leave this empty to keep it, or type a new one to replace it."
            : "Stored encrypted and never shown again. Not needed for a front-channel client."
        }
      />
      <MappingAndCheck protocol="oidc" idpLabel={idp!.label} slug={org.slug} />
    </SchemaForm>
  );
}

export function DetailsStep() {
  const { idp } = useLoaderData<typeof loader>();
  if (!idp) return null;
  return (
    <section aria-labelledby="step-title" className="stack">
      <h3 id="step-title">Details of {idp.label}</h3>
      {idp.protocol === "saml" ? <SamlDetails /> : <OidcDetails />}
    </section>
  );
}
