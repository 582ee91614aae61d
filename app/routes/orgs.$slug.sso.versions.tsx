import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { sectionTitle } from "~/components/section-nav";
import { Link, useLoaderData } from "@remix-run/react";
import { ChangeOutcome } from "~/components/change-outcome";
import { useChangeRevalidation } from "~/components/change-status";
import { SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { Time } from "~/components/time";
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
 * submitted it, who approved it, what changed); "Restore this version" makes a new change request
 * from an earlier one, under the same review policies. Nothing is overwritten in place.
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const [versions, changes] = await Promise.all([listVersions(scope), loadChangeOutcomes(scope)]);
  return {
    slug: scope.org.slug,
    canManage: orgRoleCan(scope.role, "org:sso:manage"),
    changes,
    versions: versions.map((v) => ({ ...v, appliedAt: v.appliedAt?.toISOString() ?? null })),
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
        {versions.length === 0 ? (
          <p className="empty-state">
            Nothing has been applied yet. Versions appear here once a change is approved and applied.
          </p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">What changed</th>
                  <th scope="col">Submitted by</th>
                  <th scope="col">Approved by</th>
                  <th scope="col">Applied</th>
                  {canManage ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version}>
                    <td>
                      <strong>{v.version}</strong> {v.live ? <span className="badge ok">Live</span> : null}{" "}
                      {v.staged ? <span className="badge warn">On the test connection</span> : null}
                      <p className="hint">{v.protocol.toUpperCase()}</p>
                    </td>
                    <td>{v.summary}</td>
                    <td>{v.author}</td>
                    <td>{v.approvedBy ?? "—"}</td>
                    <td>{v.appliedAt ? <Time value={v.appliedAt} /> : "—"}</td>
                    {canManage ? (
                      <td>
                        {v.staged ? (
                          <Link to={`/orgs/${slug}/sso/live`}>Test it or go live</Link>
                        ) : (
                          <Restore version={v.version} />
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Versions") }];
