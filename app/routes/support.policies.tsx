import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { sectionTitle } from "~/components/section-nav";
import { useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { ButtonForm, SchemaForm, SelectField, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { Time } from "~/components/time";
import { policiesSchema, trustSchema } from "~/forms/changes";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import {
  listTrustedOrganizations,
  readPolicySettings,
  setOrganizationTrusted,
  updatePolicySettings,
} from "~/services/change-requests/policy-settings.server";
import { requireSupport } from "~/services/identity/guards.server";
import { getDb } from "~/services/platform/db.server";

/**
 * /support/policies — the support lead decides which changes skip review: certificate-only
 * rotations, every change of an organization marked trusted, restoring the previous version.
 * Anything else always waits for a person. Each decision names its rule on the change page.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const [settings, trusted] = await Promise.all([readPolicySettings(await getDb()), listTrustedOrganizations(scope)]);
  return {
    settings: { ...settings, updatedAt: settings.updatedAt.toISOString() },
    trusted: trusted.map((t) => ({ ...t, markedAt: t.markedAt.toISOString() })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "policies": {
      const parsed = parseSubmission(submission, policiesSchema);
      if (!parsed.ok) return parsed.reply;
      await updatePolicySettings(scope, parsed.value);
      return redirectWithFlash(samePage(request), {
        tone: "ok",
        message: "Policies saved. They apply to changes submitted from now on.",
      });
    }
    case "trust":
    case "untrust": {
      const parsed = parseSubmission(submission, trustSchema);
      if (!parsed.ok) return parsed.reply;
      const trust = submission.intent === "trust";
      const found = await setOrganizationTrusted(scope, parsed.value.slug, trust);
      if (!found)
        return refuse(submission, "No organization has this slug.", {
          slug: "No organization has this slug. Check it on the Organizations page.",
        });
      return redirectWithFlash(samePage(request), {
        tone: "ok",
        message: trust ? `${parsed.value.slug} is trusted.` : `${parsed.value.slug} is no longer trusted.`,
      });
    }
    default:
      return unknownIntent(submission);
  }
}

const CHOICES = [
  { value: "on", label: "Approve automatically" },
  { value: "off", label: "Send to review" },
];

function Untrust({ slug, name }: { slug: string; name: string }) {
  const form = useSchemaForm(trustSchema, { intent: "untrust", hidden: { slug } });
  return (
    <ButtonForm form={form} className="secondary" names={` ${name}`}>
      Stop trusting
    </ButtonForm>
  );
}

export default function Policies() {
  const { settings, trusted } = useLoaderData<typeof loader>();
  const onOff = (v: boolean) => (v ? "on" : "off");
  const policies = useSchemaForm(policiesSchema, {
    intent: "policies",
    defaultValues: {
      autoApproveCertificateRotation: onOff(settings.autoApproveCertificateRotation),
      autoApproveTrustedOrganizations: onOff(settings.autoApproveTrustedOrganizations),
      autoApproveRestorePrevious: onOff(settings.autoApproveRestorePrevious),
    },
  });
  const trust = useSchemaForm(trustSchema, { intent: "trust" });
  return (
    <div className="stack">
      <h2>Review policies</h2>
      <p className="lead">
        Which single sign-on changes are approved without a review. Everything else — a new identity provider, a changed
        entity ID or sign-in URL, a switch between SAML and OIDC — always waits for support.
      </p>
      <section className="card" aria-labelledby="rules-title">
        <h3 id="rules-title">Rules</h3>
        <SchemaForm form={policies} aria-label="Review policies">
          <SelectField
            name="autoApproveCertificateRotation"
            label="Certificate-only rotation"
            hint="Same entity ID, endpoints and bindings; the new certificate valid now; the current one kept alongside until it expires."
            options={CHOICES}
          />
          <SelectField
            name="autoApproveTrustedOrganizations"
            label="Changes of trusted organizations"
            hint="Any change of an organization listed below, except a switch between SAML and OIDC."
            options={CHOICES}
          />
          <SelectField
            name="autoApproveRestorePrevious"
            label="Restoring the previous version"
            hint="Going back to the version that was applied just before the current one."
            options={CHOICES}
          />
          <SubmitButton>Save policies</SubmitButton>
        </SchemaForm>
        <p className="hint">
          {settings.updatedBy ? (
            <>
              Last changed by {settings.updatedBy} on <Time value={settings.updatedAt} />.
            </>
          ) : (
            "These are the defaults."
          )}
        </p>
      </section>
      <section className="card" aria-labelledby="trusted-title">
        <h3 id="trusted-title">Trusted organizations</h3>
        <DataTable
          rows={trusted}
          empty="No organization is trusted: every change they submit follows the rules above."
          columns={[
            {
              header: "Organization",
              cell: (t) => (
                <>
                  {t.name} <span className="mono hint">({t.slug})</span>
                </>
              ),
            },
            {
              header: "Trusted by",
              cell: (t) => (
                <>
                  {t.markedBy} on <Time value={t.markedAt} />
                </>
              ),
            },
            { header: "Actions", cell: (t) => <Untrust slug={t.slug} name={t.name} /> },
          ]}
        />
        <SchemaForm form={trust} className="inline-form" aria-label="Trust an organization">
          <TextField name="slug" label="Organization slug" hint="e.g. acme" />
          <SubmitButton>Trust this organization</SubmitButton>
        </SchemaForm>
      </section>
    </div>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Review policies") }];
