import { SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { Time } from "~/components/time";
import { changeIdSchema } from "~/forms/changes";
import type { ChangeState } from "~/services/platform/db/schema";
import { ApplyProgressList, StateBadge, type ProgressView } from "./change-status";

/** One of the organization's changes as its administrators follow it: state, outcome, progress. */
export interface ChangeOutcomeView {
  id: string;
  state: ChangeState;
  summary: string;
  author: string;
  submittedAt: string | null;
  reviewer: string | null;
  reason: string | null;
  rule: string;
  ruleReason: string;
  version: number | null;
  applyError: string | null;
  retryable: boolean;
  inFlight: boolean;
  final: boolean;
  progress: ProgressView | null;
}

function ChangeButton({
  intent,
  id,
  label,
  className,
}: {
  intent: string;
  id: string;
  label: string;
  className?: string;
}) {
  const form = useSchemaForm(changeIdSchema, { intent, hidden: { changeId: id } });
  return (
    <SchemaForm form={form}>
      <SubmitButton className={className}>
        {label}
        <span className="visually-hidden"> change #{id}</span>
      </SubmitButton>
    </SchemaForm>
  );
}

export function ChangeOutcome({ change, canManage }: { change: ChangeOutcomeView; canManage: boolean }) {
  return (
    <article className="change-outcome" id={`change-${change.id}`} aria-labelledby={`change-${change.id}-title`}>
      <h4 id={`change-${change.id}-title`}>
        {`Change #${change.id}`} <StateBadge state={change.state} />
      </h4>
      <p>
        {change.summary}
        <span className="hint">
          {" "}
          · submitted by {change.author}
          {change.submittedAt ? (
            <>
              {" "}
              on <Time value={change.submittedAt} />
            </>
          ) : null}
        </span>
      </p>
      {change.state === "pending_review" ? (
        <p className="notice warn">Waiting for review by support. {change.ruleReason}</p>
      ) : null}
      {change.state === "rejected" ? (
        <div className="notice error" role="status">
          <strong>Not approved{change.reviewer ? ` by ${change.reviewer}` : ""}.</strong> Reason: {change.reason}
        </div>
      ) : null}
      {change.reviewer && change.state !== "rejected" && change.state !== "pending_review" ? (
        <p className="hint">
          Approved by {change.reviewer}
          {change.reviewer.startsWith("policy:") ? ` — ${change.ruleReason}` : ""}
        </p>
      ) : null}
      {change.progress && (change.inFlight || change.state === "applied" || change.state === "failed") ? (
        <ApplyProgressList progress={change.progress} state={change.state} />
      ) : null}
      {change.state === "applied" && change.version ? (
        <p className="notice ok">Applied as version {change.version}.</p>
      ) : null}
      {change.state === "failed" ? (
        <p className="notice error" role="alert">
          {change.applyError ?? "Applying the change failed."}{" "}
          {change.retryable ? "Trying again may fix it." : "Change the configuration and submit it again."}
        </p>
      ) : null}
      {canManage ? (
        <div className="button-row">
          {change.state === "pending_review" ? (
            <ChangeButton intent="withdraw-change" id={change.id} label="Withdraw" className="secondary" />
          ) : null}
          {change.state === "failed" && change.retryable ? (
            <ChangeButton intent="retry-change" id={change.id} label="Retry" />
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
