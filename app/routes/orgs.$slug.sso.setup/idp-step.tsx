import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { RadioGroupField, SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { chooseIdpSchema } from "~/forms/sso-setup";
import type { loader } from "./route";

/** Step 1: which identity provider the organization's people sign in with. */
export function IdpStep() {
  const { idps, idp, org } = useLoaderData<typeof loader>();
  const form = useSchemaForm(chooseIdpSchema, { intent: "choose-idp", defaultValues: { idp: idp?.id ?? "" } });
  return (
    <section aria-labelledby="step-title" className="stack">
      <h3 id="step-title">Choose your identity provider</h3>
      <p>
        Pick the product your people sign in with today. The next step shows exactly what to type into it, in its own
        words.
      </p>
      <SchemaForm form={form} className="stack" aria-label="Choose your identity provider">
        <RadioGroupField
          name="idp"
          legend="Identity provider"
          className="idp-choices"
          options={idps.map((p) => ({
            value: p.id,
            label: p.name,
            hint: p.protocol === "saml" ? "SAML 2.0" : "OpenID Connect",
          }))}
        />
        <div className="button-row">
          <Link className="button secondary" to={`/orgs/${org.slug}/sso`}>
            Cancel
          </Link>
          <SubmitButton>Continue</SubmitButton>
        </div>
      </SchemaForm>
    </section>
  );
}
