import { useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import type { ChangeState, RiskLevel } from "~/services/platform/db/schema";
import { STATE_LABEL } from "~/services/change-requests/states";

/** Badges and live progress shared by the customer's and support's change pages. */

const STATE_TONE: Record<ChangeState, string> = {
  draft: "",
  pending_review: "warn",
  approved: "ok",
  applying: "warn",
  applied: "ok",
  failed: "error",
  rejected: "error",
  withdrawn: "",
  superseded: "",
};

export function StateBadge({ state }: { state: ChangeState }) {
  return <span className={`badge ${STATE_TONE[state]}`}>{STATE_LABEL[state]}</span>;
}

const RISK_TONE: Record<RiskLevel, string> = { low: "ok", medium: "warn", high: "error" };

export function RiskBadge({ risk }: { risk: RiskLevel }) {
  return <span className={`badge ${RISK_TONE[risk]}`}>{risk[0]!.toUpperCase() + risk.slice(1)} risk</span>;
}

const VERDICT_WORDS = { ok: "Checks passed", warn: "Passed with warnings", error: "Errors" } as const;

export function VerdictBadge({ verdict }: { verdict: keyof typeof VERDICT_WORDS }) {
  return <span className={`badge ${verdict === "ok" ? "ok" : verdict}`}>{VERDICT_WORDS[verdict]}</span>;
}

/** Reloads the page's data every `ms` while `active` (an apply in flight), so progress shows without a reload. */
export function useLiveRevalidation(active: boolean, ms = 1000): void {
  const { revalidate, state } = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (state === "idle" && document.visibilityState === "visible") revalidate();
    }, ms);
    return () => clearInterval(timer);
  }, [active, ms, revalidate, state]);
}

/** How soon a page showing changes in these states looks again: null once none of them can move by itself. */
export function changeRefreshMs(
  states: readonly ChangeState[],
  options: { applyingMs?: number; waitingMs?: number } = {},
): number | null {
  if (states.some((s) => s === "approved" || s === "applying")) return options.applyingMs ?? 1000;
  // Waiting for someone else (support's review, or the customer's withdrawal): the outcome shows when it comes.
  if (states.includes("pending_review")) return options.waitingMs ?? 5000;
  return null;
}

/**
 * Every page that shows a waiting or applying change keeps it current without a reload: each
 * apply step as it completes (every second), a review's outcome within a few seconds. `busy`: the
 * page knows of an apply in flight that is no change's (a go-live, a re-apply).
 */
export function useChangeRevalidation(
  states: readonly ChangeState[],
  options: { applyingMs?: number; waitingMs?: number; busy?: boolean } = {},
): void {
  const ms = options.busy ? (options.applyingMs ?? 1000) : changeRefreshMs(states, options);
  useLiveRevalidation(ms !== null, ms ?? 1000);
}

export interface ProgressView {
  status: "queued" | "running" | "succeeded" | "failed" | "dead";
  stage: "test" | "live";
  steps: { step: string; label: string; done: boolean }[];
  attempts: number;
}

/** The apply job's steps as a checklist, announced politely as they complete. */
export function ApplyProgressList({ progress, state }: { progress: ProgressView; state: ChangeState }) {
  const waiting = progress.status === "queued";
  return (
    <div aria-live="polite">
      <p>
        {state === "applied"
          ? progress.stage === "test"
            ? "Applied to the test connection: test it, then put it live."
            : "Applied to Auth0."
          : state === "failed"
            ? "Applying stopped."
            : waiting
              ? progress.attempts > 0
                ? `Waiting to try again (attempt ${progress.attempts + 1})…`
                : "Queued: applying starts in a moment…"
              : "Applying…"}
      </p>
      <ol className="progress-steps">
        {progress.steps.map((s) => (
          <li key={s.step} data-done={s.done ? "yes" : "no"}>
            <span aria-hidden="true">{s.done ? "✓" : "○"}</span> {s.label}
            <span className="visually-hidden">{s.done ? " (done)" : " (not yet)"}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
