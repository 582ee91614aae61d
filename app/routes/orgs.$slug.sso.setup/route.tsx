import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { CheckboxField, SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { sectionTitle } from "~/components/section-nav";
import { Time } from "~/components/time";
import { ValidationReportView } from "~/components/validation-report";
import { submittedMessage } from "~/forms/change-actions.server";
import { redirectWithFlash } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import {
  chooseIdpSchema,
  oidcDetailsSchema,
  samlDetailsSchema,
  saveDraftSchema,
  WIZARD_STEP_LABEL,
  WIZARD_STEPS,
  type WizardStep,
} from "~/forms/sso-setup";
import { guideFor, guideValues } from "~/guides/index";
import { IDENTITY_PROVIDERS, IDP_IDS, productMismatch } from "~/services/connections/identity-providers";
import { serviceProviderValuesFor } from "~/services/connections/service-provider.server";
import {
  chooseIdp,
  clearSetup,
  getSetup,
  saveSetupAsDraft,
  submitOidcDetails,
  submitSamlDetails,
} from "~/services/connections/setup.server";
import { auth0OptionsPreview, readUpload } from "~/services/connections/wizard.server";
import { reportCertificates } from "~/services/connections/status.server";
import { submitDraft } from "~/services/change-requests/submit.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { DetailsStep } from "./details-step";
import { IdpStep } from "./idp-step";
import { ValuesStep } from "./values-step";

/**
 * /orgs/<slug>/sso/setup — the SSO setup wizard, one URL with its step in `?step=`: choose the IdP,
 * the values to type into it (with its own guide), its details (metadata URL, file or manual
 * fields; OIDC discovery URL and client), then the full check and "Save draft". Every step posts
 * to this action and is kept server-side (setup.server.ts), so Back, a reload and a browser
 * without JavaScript lose nothing; the client secret is sealed at once and never sent back.
 */

function stepOf(value: string | null): WizardStep | null {
  return (WIZARD_STEPS as readonly string[]).includes(value ?? "") ? (value as WizardStep) : null;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const setup = await getSetup(scope);
  const { input, report, draft } = setup;
  const idp = input.idp ?? null;
  // The furthest step this administrator can be on; a later one asked for shows this one.
  const reachable: WizardStep = !idp ? "idp" : !report ? "values" : "check";
  const asked = stepOf(new URL(request.url).searchParams.get("step"));
  const order = (s: WizardStep) => WIZARD_STEPS.indexOf(s);
  const furthest: WizardStep = reachable === "values" ? "details" : reachable;
  const step: WizardStep = asked && order(asked) <= order(furthest) ? asked : reachable;
  const sp = serviceProviderValuesFor(scope);
  const provider = idp ? IDENTITY_PROVIDERS[idp] : null;
  const mapping = input.mapping ?? provider?.attributes ?? IDENTITY_PROVIDERS.saml.attributes;
  const product = report && "product" in report.facts ? report.facts.product : undefined;
  return {
    org: { slug: scope.org.slug, name: scope.org.name },
    step,
    furthest,
    idps: IDP_IDS.map((id) => ({ id, name: IDENTITY_PROVIDERS[id].name, protocol: IDENTITY_PROVIDERS[id].protocol })),
    idp: provider
      ? {
          id: provider.id,
          name: provider.name,
          protocol: provider.protocol,
          // How sentences name it: "Okta", or for the generic choices "your SAML 2.0 identity provider".
          label: provider.detectedAs
            ? provider.name
            : `your ${provider.protocol === "saml" ? "SAML 2.0 identity" : "OpenID Connect"} provider`,
        }
      : null,
    sp,
    guide: idp ? guideFor(idp) : null,
    guideValues: idp ? guideValues(sp, idp, mapping, `${scope.org.name} SSO`) : null,
    details: {
      givenBy: input.saml?.method ?? "url",
      metadataUrl: input.saml?.metadataUrl ?? "",
      fileKept: input.saml?.fileText ? (input.saml.fileName ?? "metadata.xml") : "",
      signInUrl: input.saml?.signInUrl ?? "",
      entityId: input.saml?.entityId ?? "",
      certificate: input.saml?.certificate ?? "",
      discoveryUrl: input.oidc?.discoveryUrl ?? "",
      clientId: input.oidc?.clientId ?? "",
      clientType: input.oidc?.clientType ?? "back_channel",
      credentialStored: input.oidc?.clientSecret ? "yes" : "",
      emailAttribute: mapping.email,
      givenNameAttribute: mapping.givenName,
      familyNameAttribute: mapping.familyName,
      groupsAttribute: mapping.groups,
    },
    report,
    certificates: report ? reportCertificates(report) : [],
    productMatches: idp ? !productMismatch(idp, product) : true,
    auth0Options: report && idp ? auth0OptionsPreview(setup) : null,
    expectedVersion: setup.draftVersion,
    draft: draft
      ? {
          version: draft.version,
          author: draft.author.label,
          updatedAt: draft.updatedAt.toISOString(),
          state: draft.state,
        }
      : null,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const here = `/orgs/${scope.org.slug}/sso/setup`;
  // The fields through the one form reader; the uploads (if any) from the same body.
  const [submission, body] = await Promise.all([readSubmission(request.clone()), request.formData()]);
  switch (submission.intent) {
    case "choose-idp": {
      const parsed = parseSubmission(submission, chooseIdpSchema);
      if (!parsed.ok) return parsed.reply;
      await chooseIdp(scope, parsed.value.idp);
      return redirect(`${here}?step=values`, 303);
    }
    case "saml-details": {
      const parsed = parseSubmission(submission, samlDetailsSchema);
      if (!parsed.ok) return parsed.reply;
      const metadata = await readUpload(body.get("metadataFile"), "metadata");
      if (!metadata.ok) return refuse(submission, "The file was not accepted.", { metadataFile: metadata.message });
      const certificate = await readUpload(body.get("certificateFile"), "certificate");
      if (!certificate.ok)
        return refuse(submission, "The file was not accepted.", { certificateFile: certificate.message });
      const result = await submitSamlDetails(
        scope,
        parsed.value,
        metadata.file,
        certificate.file ? certificate.file.text : null,
      );
      if (!result.ok) return refuse(submission, result.message, { [result.field]: result.message });
      return redirect(`${here}?step=check`, 303);
    }
    case "oidc-details": {
      const parsed = parseSubmission(submission, oidcDetailsSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await submitOidcDetails(scope, parsed.value);
      if (!result.ok) return refuse(submission, result.message, { [result.field]: result.message });
      return redirect(`${here}?step=check`, 303);
    }
    case "save": {
      const parsed = parseSubmission(submission, saveDraftSchema);
      if (!parsed.ok) return parsed.reply;
      const expected = parsed.value.expectedVersion ? Number(parsed.value.expectedVersion) : null;
      const result = await saveSetupAsDraft(scope, expected);
      if (result.ok && parsed.value.submitForReview === "on") {
        // Saved first, so a refused submission (nothing changed since the last version…) loses nothing.
        const submitted = await submitDraft(scope, result.draft.version);
        return redirectWithFlash(
          `/orgs/${scope.org.slug}/sso`,
          submitted.ok
            ? { tone: "ok", message: submittedMessage(submitted.change) }
            : {
                tone: "error",
                message: `Draft saved (version ${result.draft.version}), but not submitted: ${submitted.error}`,
              },
        );
      }
      if (result.ok)
        return redirectWithFlash(`/orgs/${scope.org.slug}/sso`, {
          tone: "ok",
          message: `Draft saved (version ${result.draft.version}). Nothing changes for your users until it is submitted and applied.`,
        });
      if (result.reason === "conflict")
        return redirectWithFlash(`${here}?step=check`, {
          tone: "error",
          message: result.current
            ? `${result.current.author.label} saved the draft while you were working on yours. Nothing of yours was lost: compare below, then save yours over theirs or start from theirs.`
            : "The draft was discarded while you were working on yours. Nothing of yours was lost: save it again.",
        });
      if (result.reason === "not-editable")
        return redirectWithFlash(`/orgs/${scope.org.slug}/sso`, {
          tone: "error",
          message: "The draft was submitted for review meanwhile and can no longer be edited.",
        });
      return refuse(
        submission,
        result.reason === "has-errors"
          ? "The check found problems: fix them before saving."
          : "Check your IdP's details first.",
      );
    }
    case "start-over": {
      await clearSetup(scope);
      return redirect(`${here}?step=idp`, 303);
    }
    default:
      return unknownIntent(submission);
  }
}

function StepNav({ step, furthest, slug }: { step: WizardStep; furthest: WizardStep; slug: string }) {
  const reach = WIZARD_STEPS.indexOf(furthest);
  return (
    <nav aria-label="Setup steps">
      <ol className="wizard-steps">
        {WIZARD_STEPS.map((s, i) => (
          <li key={s} className={s === step ? "current" : i <= reach ? "done" : "todo"}>
            {i <= reach && s !== step ? (
              <Link to={`/orgs/${slug}/sso/setup?step=${s}`}>
                <span className="step-number">{i + 1}</span> {WIZARD_STEP_LABEL[s]}
              </Link>
            ) : (
              <span aria-current={s === step ? "step" : undefined}>
                <span className="step-number">{i + 1}</span> {WIZARD_STEP_LABEL[s]}
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function AcknowledgeWarnings({ count }: { count: number }) {
  return (
    <CheckboxField
      name="acknowledge"
      label={`I have read the ${count === 1 ? "warning" : `${count} warnings`} above and want to save this draft anyway.`}
    />
  );
}

function CheckStep() {
  const data = useLoaderData<typeof loader>();
  const { report, idp, org, expectedVersion, draft } = data;
  const hasWarnings = report?.verdict === "warn";
  const conflict = draft && draft.version !== expectedVersion ? draft : null;
  const form = useSchemaForm(saveDraftSchema, {
    intent: "save",
    hidden: {
      hasWarnings: hasWarnings ? "yes" : "",
      expectedVersion: String(conflict ? conflict.version : (expectedVersion ?? "")),
    },
  });
  if (!report || !idp) return null;
  return (
    <section aria-labelledby="step-title" className="stack">
      <h3 id="step-title">Check and save</h3>
      <ValidationReportView
        report={report}
        certificates={data.certificates}
        chosenIdp={idp.name}
        productMatches={data.productMatches}
        auth0Options={data.auth0Options}
      />
      {conflict ? (
        <div className="notice warn" role="note">
          <p>
            <strong>{conflict.author}</strong> saved version {conflict.version} of the draft at{" "}
            <Time value={conflict.updatedAt} /> while you were working on yours. Saving replaces their version with
            yours; <Link to={`/orgs/${org.slug}/sso`}>look at theirs first</Link> if you are not sure.
          </p>
        </div>
      ) : null}
      {report.verdict === "error" ? (
        <div className="button-row">
          <Link className="button" to={`/orgs/${org.slug}/sso/setup?step=details`}>
            Back to your IdP&apos;s details
          </Link>
        </div>
      ) : (
        <SchemaForm form={form} className="stack" aria-label="Save draft">
          {hasWarnings ? <AcknowledgeWarnings count={report.warnings.length} /> : null}
          <CheckboxField
            name="submitForReview"
            label="Submit for review as soon as it is saved (the vendor's support checks it before anything reaches your users)"
          />
          <div className="button-row">
            <Link className="button secondary" to={`/orgs/${org.slug}/sso/setup?step=details`}>
              Back
            </Link>
            <SubmitButton>{conflict ? "Save mine over theirs" : "Save draft"}</SubmitButton>
          </div>
        </SchemaForm>
      )}
    </section>
  );
}

export default function SsoSetup() {
  const data = useLoaderData<typeof loader>();
  const { org, step, furthest, idp } = data;
  return (
    <div className="stack wizard">
      <h2>Set up single sign-on</h2>
      <StepNav step={step} furthest={furthest} slug={org.slug} />
      <div className="card">
        {step === "idp" ? <IdpStep /> : null}
        {step === "values" && idp ? <ValuesStep /> : null}
        {step === "details" && idp ? <DetailsStep /> : null}
        {step === "check" ? <CheckStep /> : null}
      </div>
      {idp ? (
        <Form method="post" className="start-over">
          <input type="hidden" name="intent" value="start-over" />
          <button type="submit" className="link-button">
            Start over
          </button>
        </Form>
      ) : null}
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ matches }) => [{ title: sectionTitle(matches, "Set up SSO") }];
