import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { sectionTitle } from "~/components/section-nav";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { ChangeOutcome } from "~/components/change-outcome";
import { useChangeRevalidation } from "~/components/change-status";
import { SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { versionItems, VersionsTable } from "~/components/versions-table";
import { restoreSchema } from "~/forms/changes";
import { redirectWithFlash } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse } from "~/forms/parse.server";
import { handleChangeAction } from "~/forms/change-actions.server";
import { loadChangeOutcomes } from "~/services/change-requests/org-changes.server";
import { listVersions } from "~/services/change-requests/queries.server";
import { restoreVersion } from "~/services/change-requests/submit.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { orgRoleCan } from "~/services/identity/permissions";

/**
 * /orgs/<slug>/sso/versions — every configuration applied for the organization, newest first (who
 * submitted it, who approved it, what changed; a version support took from Auth0 says so, with who
 * accepted it and when); "Restore this version" makes a new change request
 * from an earlier one, under the same review policies. Nothing is overwritten in place.
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const [versions, changes] = await Promise.all([listVersions(scope), loadChangeOutcomes(scope)]);
  return {
    slug: scope.org.slug,
    canManage: orgRoleCan(scope.role, "org:sso:manage"),
    changes,
    versions: versionItems(versions),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  if (submission.intent !== "restore") return handleChangeAction(request, scope, submission);
  const parsed = parseSubmission(submission, restoreSchema);
  if (!parsed.ok) return parsed.reply;
  const result = await restoreVersion(scope, parsed.value.version);
  if (!result.ok) {
    if (result.status === 404) throw new Response("That version does not exist.", { status: 404 });
    return refuse(submission, result.error);
  }
  const approved = result.change.state === "approved";
  return redirectWithFlash(`/orgs/${scope.org.slug}/sso/versions`, {
    tone: "ok",
    message: approved
      ? `Version ${parsed.value.version} is being restored as change #${result.change.id} (approved by the policy: ${result.change.policy_reason})`
      : `Version ${parsed.value.version} was submitted again as change #${result.change.id}. It waits for review.`,
  });
}

function Restore({ version }: { version: number }) {
  const form = useSchemaForm(restoreSchema, { intent: "restore", hidden: { version: String(version) } });
  return (
    <SchemaForm form={form}>
      <SubmitButton className="secondary">
        Restore this version<span className="visually-hidden"> ({version})</span>
      </SubmitButton>
    </SchemaForm>
  );
}

export default function Versions() {
  const { slug, versions, changes, canManage } = useLoaderData<typeof loader>();
  useChangeRevalidation(changes.map((c) => c.state));
  return (
    <div className="stack">
      <h2>Versions</h2>
      <p className="lead">
        Every configuration applied to your single sign-on connection. The newest is on your test connection until it
        goes live; restoring an earlier one submits it again as a new change.
      </p>
      {changes.length > 0 ? (
        <section className="card" aria-labelledby="changes-title">
          <h3 id="changes-title">Recent changes</h3>
          {changes.map((c) => (
            <ChangeOutcome key={c.id} change={c} canManage={canManage} />
          ))}
        </section>
      ) : null}
      <section className="card" aria-labelledby="versions-title">
        <h3 id="versions-title">Applied versions</h3>
        <VersionsTable
          versions={versions}
          empty="Nothing has been applied yet. Versions appear here once a change is approved and applied."
          actions={
            canManage
              ? (v) =>
                  v.staged ? (
                    <Link to={`/orgs/${slug}/sso/live`}>Test it or go live</Link>
                  ) : v.source === "change-request" ? (
                    <Restore version={v.version} />
                  ) : (
                    "—"
                  )
              : undefined
          }
        />
      </section>
    </div>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Versions") }];
