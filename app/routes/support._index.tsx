import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { SchemaForm, SelectField, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { Pager, pageParam, SearchField } from "~/components/pager";
import { sectionTitle } from "~/components/section-nav";
import { redirectWithFlash } from "~/forms/flash.server";
import { createOrganizationSchema } from "~/forms/organizations";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { requireSupport } from "~/services/identity/guards.server";
import { pageOfOrganizations } from "~/services/identity/organizations.server";
import { supportRoleCan } from "~/services/identity/permissions";
import { createOrganizationAs } from "~/services/organizations/organizations.server";

/** The organization, and whether the apply engine makes its Auth0 organization (a given id is linked instead). */
const addOrganizationSchema = createOrganizationSchema.extend({
  auth0: z.enum(["create", "none"], { message: "Choose whether to create an Auth0 organization." }),
});

const ORGANIZATIONS_PAGE_SIZE = 50;

const STATUS_LABEL: Record<string, string> = {
  active: "Active",
  suspended: "Suspended",
  removing: "Being removed",
  removed: "Removed",
};

/** /support (index) — every organization; a support lead adds one here. */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const url = new URL(request.url);
  const search = (url.searchParams.get("q") ?? "").slice(0, 100);
  const page = pageParam(url);
  const { rows, total } = await pageOfOrganizations(scope, {
    search,
    limit: ORGANIZATIONS_PAGE_SIZE,
    offset: (page - 1) * ORGANIZATIONS_PAGE_SIZE,
  });
  return {
    can: { createOrgs: supportRoleCan(scope.role, "support:orgs:create") },
    search,
    total,
    page,
    orgs: rows.map((o) => ({
      slug: o.slug,
      name: o.name,
      auth0OrgId: o.auth0OrgId,
      status: o.status,
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
      const parsed = parseSubmission(submission, addOrganizationSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await createOrganizationAs(scope, {
        ...parsed.value,
        createAuth0Organization: parsed.value.auth0 === "create",
      });
      if (!result.ok) return refuse(submission, result.error, { [result.field]: result.error });
      // On to its page: the first administrator's setup link is issued there.
      return redirectWithFlash(`/support/orgs/${result.organization.slug}`, {
        tone: "ok",
        message: `Organization ${result.organization.name} created. Now issue its first administrator's setup link.`,
      });
    }
    default:
      return unknownIntent(submission);
  }
}

/** A support lead adds an organization. */
function CreateOrganizationForm() {
  const form = useSchemaForm(addOrganizationSchema, { intent: "create-org", defaultValues: { auth0: "create" } });
  return (
    <SchemaForm form={form} className="form-grid" aria-label="Add an organization">
      <h3 id="add-org-title">Add an organization</h3>
      <TextField name="name" label="Name" />
      <TextField name="slug" label="Slug" hint="Lowercase letters, digits and hyphens, e.g. acme-corp." />
      <SelectField
        name="auth0"
        label="Auth0 organization"
        options={[
          { value: "create", label: "Create one in Auth0" },
          { value: "none", label: "None (or link an existing one)" },
        ]}
      />
      <TextField
        name="auth0OrgId"
        label="Link an existing Auth0 organization (optional)"
        className="mono"
        hint="Its id, e.g. org_abc123; linking replaces creating."
      />
      <div className="form-grid-actions">
        <SubmitButton>Add organization</SubmitButton>
      </div>
    </SchemaForm>
  );
}

export default function SupportOrganizations() {
  const { can, search, total, page, orgs } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="orgs-title">
      <h2 id="orgs-title">Organizations</h2>
      <Form method="get" className="inline-form" role="search" aria-label="Find an organization">
        <SearchField id="orgs-q" label="Organization" placeholder="Name or slug" />
      </Form>
      <DataTable
        rows={orgs}
        rowKey={(o) => o.slug}
        scroll
        empty={search ? `No organization matches “${search}”.` : "No organization yet. Add the first one below."}
        columns={[
          { header: "Organization", cell: (o) => <Link to={`/support/orgs/${o.slug}`}>{o.name}</Link> },
          { header: "Slug", className: "mono", cell: (o) => o.slug },
          { header: "Auth0 organization", className: "mono", cell: (o) => o.auth0OrgId ?? "—" },
          { header: "State", cell: (o) => STATUS_LABEL[o.status] ?? o.status },
          { header: "Members", cell: (o) => o.members },
          { header: "Administrators", cell: (o) => o.admins },
        ]}
      />
      {total > 0 ? <Pager total={total} page={page} pageSize={ORGANIZATIONS_PAGE_SIZE} noun="organization" /> : null}
      {can.createOrgs ? <CreateOrganizationForm /> : null}
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Organizations") }];
