import type { OrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import { followApplyJobs, readApplyProgress } from "./apply-progress.server";
import { POLICY_RULE_LABEL, type PolicyRule } from "./policies";
import { listOrgChanges } from "./queries.server";
import { IN_FLIGHT, isFinal } from "./states";
import type { ChangeOutcomeView } from "~/components/change-outcome";

/**
 * The organization's recent changes as its pages show them: state, the review's outcome and
 * reason, the apply job's steps while it runs. Reading also moves any change whose apply job has
 * finished, so the page never lags behind the job.
 */
export async function loadChangeOutcomes(scope: OrgScope, limit = 5): Promise<ChangeOutcomeView[]> {
  const db = await getDb();
  const recent = await listOrgChanges(scope, limit);
  const inFlight = recent.filter((c) => (IN_FLIGHT as readonly string[]).includes(c.state)).map((c) => c.id);
  const changes =
    inFlight.length > 0 && (await followApplyJobs(db, inFlight)) > 0 ? await listOrgChanges(scope, limit) : recent;
  return Promise.all(
    changes.map(async (c) => ({
      id: c.id,
      state: c.state,
      summary: c.summary,
      author: c.author_label,
      submittedAt: c.submitted_at ? new Date(c.submitted_at).toISOString() : null,
      reviewer: c.reviewer_label,
      reason: c.reason,
      rule: POLICY_RULE_LABEL[c.policy_rule as PolicyRule] ?? c.policy_rule,
      ruleReason: c.policy_reason,
      version: c.version,
      applyError: c.apply_error,
      retryable: c.apply_retryable === true,
      inFlight: (IN_FLIGHT as readonly string[]).includes(c.state),
      final: isFinal(c.state),
      progress: await readApplyProgress(db, c.apply_job_id),
    })),
  );
}
