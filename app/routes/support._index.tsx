import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { SchemaForm, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { sectionTitle } from "~/components/section-nav";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { createOrganizationSchema } from "~/forms/organizations";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { requireSupport } from "~/services/identity/guards.server";
import { listOrganizations } from "~/services/identity/organizations.server";
import { createOrganizationAs } from "~/services/organizations/organizations.server";
import { supportRoleCan } from "~/services/identity/permissions";

/** /support (index) — every organization; a support lead adds one here. */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const orgs = await listOrganizations(scope);
  return {
    can: { createOrgs: supportRoleCan(scope.role, "support:orgs:create") },
    orgs: orgs.map((o) => ({
      slug: o.slug,
      name: o.name,
      auth0OrgId: o.auth0OrgId,
      members: o.members,
      admins: o.admins,
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  // Every change here is a support lead's.
  const scope = await requireSupport(request, "support_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "create-org": {
      const parsed = parseSubmission(submission, createOrganizationSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await createOrganizationAs(scope, parsed.value);
      if (!result.ok) return refuse(submission, result.error, { [result.field]: result.error });
      return redirectWithFlash(samePage(request), {
        tone: "ok",
        message: `Organization ${result.organization.slug} created. Now issue its first administrator's setup link.`,
      });
    }
    default:
      return unknownIntent(submission);
  }
}

/** A support lead adds an organization. */
function CreateOrganizationForm() {
  const form = useSchemaForm(createOrganizationSchema, { intent: "create-org" });
  return (
    <SchemaForm form={form} className="form-grid" aria-label="Add an organization">
      <h3 id="add-org-title">Add an organization</h3>
      <TextField name="name" label="Name" />
      <TextField name="slug" label="Slug" hint="Lowercase letters, digits and hyphens, e.g. acme-corp." />
      <TextField
        name="auth0OrgId"
        label="Auth0 organization id (optional)"
        className="mono"
        hint="Only when your tenant uses Auth0 Organizations, e.g. org_abc123."
      />
      <div className="form-grid-actions">
        <SubmitButton>Add organization</SubmitButton>
      </div>
    </SchemaForm>
  );
}

export default function SupportOrganizations() {
  const { can, orgs } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="orgs-title">
      <h2 id="orgs-title">Organizations</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Slug</th>
              <th scope="col">Auth0 organization</th>
              <th scope="col">Members</th>
              <th scope="col">Administrators</th>
            </tr>
          </thead>
          <tbody>
            {orgs.map((o) => (
              <tr key={o.slug}>
                <td>{o.name}</td>
                <td className="mono">{o.slug}</td>
                <td className="mono">{o.auth0OrgId ?? "—"}</td>
                <td>{o.members}</td>
                <td>{o.admins}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {can.createOrgs ? <CreateOrganizationForm /> : null}
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Organizations") }];
