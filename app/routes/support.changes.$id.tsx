import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { sectionTitle } from "~/components/section-nav";
import { ChangeDiff } from "~/components/change-diff";
import { ChangeReport, reportView } from "~/components/change-report";
import {
  ApplyProgressList,
  RiskBadge,
  StateBadge,
  useChangeRevalidation,
  VerdictBadge,
} from "~/components/change-status";
import { SchemaForm, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { Time } from "~/components/time";
import { changeIdSchema, rejectSchema } from "~/forms/changes";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { followApplyJobs } from "~/services/change-requests/apply-progress.server";
import { POLICY_RULE_LABEL, type PolicyRule } from "~/services/change-requests/policies";
import { getChangeForReview } from "~/services/change-requests/queries.server";
import { approveChange, rejectChange, retryChange } from "~/services/change-requests/review.server";
import { requireSupport } from "~/services/identity/guards.server";
import { getDb } from "~/services/platform/db.server";

/**
 * /support/changes/<id> — one change: its report, the field-by-field diff against the version it
 * was drafted from, the rule that routed it; Approve, or Reject with a reason (never one's own
 * change); then the apply job's steps, live, and Retry when a retry can fix the failure.
 */

const NOT_FOUND = "The page you asked for does not exist, or you do not have access to it.";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const id = params.id ?? "";
  // The page shows the apply job's latest move without waiting for the background follower.
  if (/^\d{1,18}$/.test(id)) await followApplyJobs(await getDb(), [id]);
  const found = await getChangeForReview(scope, id);
  if (!found) throw new Response(NOT_FOUND, { status: 404 });
  const { change, org, diff, progress } = found;
  return {
    change: {
      id: change.id,
      state: change.state,
      risk: change.risk,
      verdict: change.verdict,
      summary: change.summary,
      author: change.author_label,
      submittedAt: change.submitted_at ? new Date(change.submitted_at).toISOString() : null,
      baseVersion: change.base_version,
      restoredVersion: change.restored_version,
      version: change.version,
      rule: POLICY_RULE_LABEL[change.policy_rule as PolicyRule] ?? change.policy_rule,
      ruleReason: change.policy_reason,
      reviewer: change.reviewer_label,
      reviewedAt: change.reviewed_at ? new Date(change.reviewed_at).toISOString() : null,
      reason: change.reason,
      applyError: change.apply_error,
      retryable: change.apply_retryable === true,
    },
    org,
    diff,
    report: reportView(change.report),
    progress,
    ownChange: change.author_user_id === scope.user.id,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireSupport(request);
  const submission = await readSubmission(request);
  const id = params.id ?? "";
  let result;
  switch (submission.intent) {
    case "approve": {
      const parsed = parseSubmission(submission, changeIdSchema);
      if (!parsed.ok) return parsed.reply;
      result = await approveChange(scope, id);
      if (result.ok)
        return redirectWithFlash(samePage(request), {
          tone: "ok",
          message: `Change #${id} approved: it is being applied.`,
        });
      break;
    }
    case "reject": {
      const parsed = parseSubmission(submission, rejectSchema, "Say why the change is rejected.");
      if (!parsed.ok) return parsed.reply;
      result = await rejectChange(scope, id, parsed.value.reason);
      if (result.ok)
        return redirectWithFlash(samePage(request), {
          tone: "ok",
          message: `Change #${id} rejected. The organization's administrators are told why.`,
        });
      break;
    }
    case "retry": {
      const parsed = parseSubmission(submission, changeIdSchema);
      if (!parsed.ok) return parsed.reply;
      result = await retryChange(scope, id);
      if (result.ok)
        return redirectWithFlash(samePage(request), { tone: "ok", message: `Change #${id} is being applied again.` });
      break;
    }
    default:
      return unknownIntent(submission);
  }
  if (result.status === 404) throw new Response(NOT_FOUND, { status: 404 });
  if (result.status === 403) throw new Response(result.error, { status: 403 });
  return refuse(submission, result.error);
}

function ReviewForms({ id }: { id: string }) {
  const approve = useSchemaForm(changeIdSchema, { intent: "approve", hidden: { changeId: id } });
  const reject = useSchemaForm(rejectSchema, { intent: "reject", hidden: { changeId: id } });
  return (
    <section className="card" aria-labelledby="review-title">
      <h3 id="review-title">Review</h3>
      <SchemaForm form={approve} aria-label="Approve">
        <p>Approving queues the change to be applied to the organization's test connection at once.</p>
        <SubmitButton>Approve</SubmitButton>
      </SchemaForm>
      <hr />
      <SchemaForm form={reject} aria-label="Reject">
        <TextField name="reason" label="Reason" hint="Required. The customer reads it to fix the change." />
        <SubmitButton className="danger">Reject</SubmitButton>
      </SchemaForm>
    </section>
  );
}

function RetryForm({ id }: { id: string }) {
  const retry = useSchemaForm(changeIdSchema, { intent: "retry", hidden: { changeId: id } });
  return (
    <SchemaForm form={retry} aria-label="Retry">
      <SubmitButton>Retry</SubmitButton>
    </SchemaForm>
  );
}

export default function ReviewChange() {
  const { change, org, diff, report, progress, ownChange } = useLoaderData<typeof loader>();
  useChangeRevalidation([change.state]);
  return (
    <div className="stack">
      <p>
        <Link to="/support/changes">← Changes</Link>
      </p>
      <h2>
        Change #{change.id} · {org.name}
      </h2>
      <p className="button-row">
        <StateBadge state={change.state} /> <RiskBadge risk={change.risk} /> <VerdictBadge verdict={change.verdict} />
      </p>
      <section className="card" aria-labelledby="about-title">
        <h3 id="about-title">About this change</h3>
        <dl className="facts">
          <dt>Organization</dt>
          <dd>
            {org.name} <span className="mono">({org.slug})</span>
          </dd>
          <dt>Submitted by</dt>
          <dd>
            {change.author}
            {change.submittedAt ? (
              <>
                {" "}
                on <Time value={change.submittedAt} />
              </>
            ) : null}
          </dd>
          <dt>What changed</dt>
          <dd>{change.summary}</dd>
          <dt>Rule</dt>
          <dd>
            {change.rule}: {change.ruleReason}
          </dd>
          {change.reviewer ? (
            <>
              <dt>{change.state === "rejected" ? "Rejected by" : "Approved by"}</dt>
              <dd>
                {change.reviewer}
                {change.reviewedAt ? (
                  <>
                    {" "}
                    on <Time value={change.reviewedAt} />
                  </>
                ) : null}
              </dd>
            </>
          ) : null}
          {change.reason ? (
            <>
              <dt>Reason</dt>
              <dd>{change.reason}</dd>
            </>
          ) : null}
          {change.version ? (
            <>
              <dt>Version</dt>
              <dd>{change.version}</dd>
            </>
          ) : null}
        </dl>
      </section>

      {progress ? (
        <section className="card" aria-labelledby="apply-title">
          <h3 id="apply-title">Applying</h3>
          <ApplyProgressList progress={progress} state={change.state} />
          {change.state === "failed" ? (
            <>
              <p className="notice error" role="alert">
                {change.applyError ?? "Applying the change failed."}
              </p>
              {change.retryable ? (
                <RetryForm id={change.id} />
              ) : (
                <p className="hint">
                  A retry would fail the same way: the customer changes the configuration and submits it again.
                </p>
              )}
            </>
          ) : null}
        </section>
      ) : null}

      {change.state === "pending_review" ? (
        ownChange ? (
          <p className="notice warn">You submitted this change yourself: another member of support must review it.</p>
        ) : (
          <ReviewForms id={change.id} />
        )
      ) : null}

      <section className="card" aria-labelledby="diff-title">
        <h3 id="diff-title">
          {change.baseVersion
            ? `Difference from version ${change.baseVersion} (applied)`
            : "First configuration (nothing applied yet)"}
        </h3>
        <ChangeDiff rows={diff} baseLabel={change.baseVersion ? `Version ${change.baseVersion}` : "Before"} />
      </section>

      <section className="card" aria-labelledby="report-title">
        <h3 id="report-title">Validation report</h3>
        <ChangeReport report={report} />
      </section>
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: sectionTitle(matches, data ? `Change #${data.change.id} · ${data.org.name}` : "Change") },
];
