import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Link } from "~/components/link";
import { useLiveRevalidation } from "~/components/change-status";
import { refusalFor } from "~/forms/action-result";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { LiveConnectionPanel, type LivePanelData } from "~/components/live-connection";
import { TestList } from "~/components/test-login-result";
import { goLive, goLiveState, rollBack } from "~/services/go-live/go-live.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { orgRoleCan } from "~/services/identity/permissions";
import { listTests } from "~/services/test-login/test-login.server";

/**
 * /orgs/<slug>/sso/live — test the staged version, go live, roll back, and watch each one being
 * applied. Everyone in the organization sees it; only administrators act (each action calls its
 * own guard, and the services check the permission again).
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const [state, tests] = await Promise.all([goLiveState(scope), listTests(scope, 10)]);
  const panel: LivePanelData = {
    slug: scope.org.slug,
    canAct: orgRoleCan(scope.role, "org:sso:go-live"),
    staged: state.staged
      ? {
          version: state.staged.version,
          protocol: state.staged.protocol,
          connectionName: state.staged.connectionName,
          appliedAt: state.staged.appliedAt.toISOString(),
        }
      : null,
    live: state.live
      ? {
          ...state.live,
          since: state.live.since.toISOString(),
          disabled: state.live.disabled ? { ...state.live.disabled, at: state.live.disabled.at.toISOString() } : null,
        }
      : null,
    applies: state.applies,
    gate: {
      allowed: state.gate.allowed,
      message: state.gate.message,
      passingTestId: state.gate.passingTest?.id ?? null,
    },
    rollBackTo: state.rollBackTo,
    validDays: state.validDays,
  };
  return {
    org: { slug: scope.org.slug, name: scope.org.name },
    panel,
    tests: tests.map((t) => ({
      id: t.id,
      version: t.version,
      status: t.status,
      startedBy: t.startedBy,
      startedAt: t.startedAt.toISOString(),
      summary: t.explanation?.title ?? null,
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  const back = samePage(request);
  switch (submission.intent) {
    case "go-live": {
      const result = await goLive(scope);
      if (!result.ok) return refuse(submission, result.message);
      return redirectWithFlash(back, {
        tone: "ok",
        message: `Version ${result.version} is being put live. Progress is shown below.`,
      });
    }
    case "roll-back": {
      const result = await rollBack(scope);
      if (!result.ok) return refuse(submission, result.message);
      return redirectWithFlash(back, {
        tone: "ok",
        message: `Rolling back: version ${result.version} is being put back on your live connection.`,
      });
    }
    default:
      return unknownIntent(submission);
  }
}

export default function TestAndGoLive() {
  const { org, panel, tests } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const refusal = refusalFor(answer, "go-live") ?? refusalFor(answer, "roll-back");
  const busy = useNavigation().state !== "idle";
  // While something is being applied (a change to the test connection, a go-live, a roll back), the page follows it.
  useLiveRevalidation(panel.applies.some((a) => a.status === "queued" || a.status === "running"));
  return (
    <div className="stack">
      <p>
        <Link to={`/orgs/${org.slug}/sso`}>Single sign-on</Link> › Test and go live
      </p>
      <h2>Test and go live</h2>
      <p className="lead">
        A new version is applied to a separate test connection first. Test it; when it passes, put it live. Your users
        keep signing in with the live version until then.
      </p>
      <div aria-live="polite">
        {refusal ? (
          <p className="notice error" role="alert">
            {refusal.message}
          </p>
        ) : null}
      </div>
      <LiveConnectionPanel data={panel} busy={busy} />
      <section className="card" aria-labelledby="tests-title">
        <h2 id="tests-title">Test logins</h2>
        <TestList slug={org.slug} tests={tests} />
      </section>
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Test and go live · ${data?.org.name ?? "Organization"} · SSO Portal` },
];
