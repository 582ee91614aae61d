import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import {
  ButtonForm,
  SchemaForm,
  SelectField,
  SubmitButton,
  TextField,
  useFlash,
  useSchemaForm,
} from "~/components/form";
import { Time } from "~/components/time";
import { createApiKeySchema, revokeApiKeySchema } from "~/forms/api-keys";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { createApiKey, listApiKeys, revokeApiKey } from "~/services/api/keys.server";
import { requireSupport } from "~/services/identity/guards.server";
import { listOrganizationsFor } from "~/services/organizations/organizations.server";

/**
 * /support/api-keys — a support lead's API keys for the vendor's own systems (/api/v1): made for
 * every organization or one, shown once, revocable, with their last use. Support agents: 403.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const [keys, orgs] = await Promise.all([listApiKeys(scope), listOrganizationsFor(scope)]);
  return {
    title: "API keys",
    orgs: orgs.filter((o) => o.status === "active").map((o) => ({ slug: o.slug, name: o.name })),
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      organization: k.organization?.name ?? null,
      createdBy: k.createdBy,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const submission = await readSubmission(request);
  const back = samePage(request);
  switch (submission.intent) {
    case "create-key": {
      const parsed = parseSubmission(submission, createApiKeySchema);
      if (!parsed.ok) return parsed.reply;
      const made = await createApiKey(scope, {
        name: parsed.value.name,
        organizationSlug: parsed.value.organization || null,
      });
      if (!made.ok) return refuse(submission, made.error, { [made.field]: made.error });
      return redirectWithFlash(back, {
        tone: "ok",
        message: "API key created. Copy it now: it is shown only once.",
        apiKey: {
          name: made.view.name,
          key: made.key,
          scope: made.view.organization ? made.view.organization.name : "every organization",
        },
      });
    }
    case "revoke-key": {
      const parsed = parseSubmission(submission, revokeApiKeySchema);
      if (!parsed.ok || !(await revokeApiKey(scope, parsed.value.keyId)))
        throw new Response("No such key, or it was already revoked.", { status: 404 });
      return redirectWithFlash(back, { tone: "ok", message: "The key was revoked; it stops working at once." });
    }
    default:
      return unknownIntent(submission);
  }
}

function NewKey() {
  const key = useFlash()?.apiKey;
  if (!key) return null;
  return (
    <div className="card">
      <label htmlFor="new-key">
        API key “{key.name}” for {key.scope}
      </label>
      <input id="new-key" className="mono" readOnly value={key.key} onFocus={(e) => e.currentTarget.select()} />
    </div>
  );
}

function RevokeKey({ id, name }: { id: string; name: string }) {
  const form = useSchemaForm(revokeApiKeySchema, { intent: "revoke-key", hidden: { keyId: id } });
  return (
    <ButtonForm form={form} className="danger" names={` ${name}`}>
      Revoke
    </ButtonForm>
  );
}

export default function ApiKeys() {
  const { orgs, keys } = useLoaderData<typeof loader>();
  const create = useSchemaForm(createApiKeySchema, { intent: "create-key", defaultValues: { organization: "" } });
  return (
    <section className="stack" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p>
        Keys for the vendor&apos;s own systems calling <span className="mono">/api/v1</span> (described at{" "}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>). A key for one organization sees only that one.
      </p>
      <NewKey />
      <SchemaForm form={create} className="inline-form" aria-label="Create an API key">
        <TextField name="name" label="Name" hint="What uses it, e.g. Billing sync." />
        <SelectField
          name="organization"
          label="Acts for"
          options={[{ value: "", label: "Every organization" }, ...orgs.map((o) => ({ value: o.slug, label: o.name }))]}
        />
        <SubmitButton>Create key</SubmitButton>
      </SchemaForm>
      <DataTable
        rows={keys}
        scroll
        empty="No API keys yet."
        columns={[
          { header: "Name", cell: (k) => k.name },
          { header: "Key", className: "mono", cell: (k) => <>{k.prefix}…</> },
          { header: "Acts for", cell: (k) => k.organization ?? "Every organization" },
          {
            header: "Created",
            cell: (k) => (
              <>
                <Time value={k.createdAt} /> by {k.createdBy}
              </>
            ),
          },
          { header: "Last used", cell: (k) => (k.lastUsedAt ? <Time value={k.lastUsedAt} /> : "Never") },
          {
            header: "State",
            cell: (k) =>
              k.revokedAt ? <span className="badge error">Revoked</span> : <RevokeKey id={k.id} name={k.name} />,
          },
        ]}
      />
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: "API keys · Support console · SSO Portal" }];
