import { sql, type RawBuilder } from "kysely";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrgScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { ChangeRequestRow } from "../platform/db/schema";
import { applyProgressFrom, followApplyJobs, type ApplyProgressRow } from "./apply-progress.server";
import { POLICY_RULE_LABEL, type PolicyRule } from "./policies";
import { IN_FLIGHT, isFinal } from "./states";
import type { ChangeOutcomeView } from "~/components/change-outcome";

/**
 * The organization's recent changes as its pages show them: state, the review's outcome and
 * reason, the apply job's steps while it runs. Reading also moves any change whose apply job has
 * finished, so the page never lags behind the job.
 */
export async function loadChangeOutcomes(scope: OrgScope, limit = 5): Promise<ChangeOutcomeView[]> {
  assertOrgPermission(scope, "org:sso:read");
  const db = await getDb();
  const read = async () =>
    changeOutcomesFrom(
      (await sql<{ changes: unknown }>`select ${recentChangesJson(scope.org.id, limit)} as changes`.execute(db)).rows[0]
        ?.changes,
    );
  return followingApplyJobs(read, (changes) => changes);
}

/**
 * `read()`, and when a change it shows is still in flight, moves the changes whose apply job has
 * finished (followApplyJobs) and reads again if one moved: the outcomes and whatever is read with
 * them then come from after the move.
 */
export async function followingApplyJobs<T>(
  read: () => Promise<T>,
  changesIn: (result: T) => ChangeOutcomeView[],
): Promise<T> {
  const first = await read();
  const inFlight = changesIn(first)
    .filter((c) => c.inFlight)
    .map((c) => c.id);
  if (inFlight.length === 0) return first;
  return (await followApplyJobs(await getDb(), inFlight)) > 0 ? read() : first;
}

/** The columns of a change its outcome shows, and its apply job's progress facts. */
type ChangeOutcomeRow = Pick<
  ChangeRequestRow,
  | "id"
  | "state"
  | "summary"
  | "author_label"
  | "reviewer_label"
  | "reason"
  | "policy_rule"
  | "policy_reason"
  | "version"
  | "apply_error"
  | "apply_retryable"
> & { submitted_at: Date | string | null; progress: ApplyProgressRow | null };

/**
 * The organization's newest `limit` changes with their apply job's progress, as one JSON array
 * (a SQL expression, so a page can read it in the same statement as the rest of what it shows).
 * The job is read with the change's organization too: only the organization's own rows.
 */
export function recentChangesJson(organizationId: string, limit: number): RawBuilder<unknown> {
  return sql`(
    select coalesce(json_agg(recent order by recent.id::bigint desc), '[]') from (
      select c.id::text as id, c.state, c.summary, c.author_label, c.submitted_at, c.reviewer_label,
             c.reason, c.policy_rule, c.policy_reason, c.version, c.apply_error, c.apply_retryable,
             (select json_build_object(
                       'status', j.status, 'steps_done', j.steps_done, 'attempts', j.attempts, 'last_error', j.last_error,
                       -- of the desired state, only what the progress looks at
                       'desired', json_build_object('connection', json_build_object('stage', j.desired -> 'connection' -> 'stage'),
                                                    'organization', j.desired -> 'organization'))
                from apply_jobs j
               where j.id = c.apply_job_id and j.organization_id = c.organization_id) as progress
        from change_requests c
       where c.organization_id = ${organizationId}
       order by c.id desc
       limit ${limit}) recent)`;
}

/** The outcomes from what recentChangesJson read. */
export function changeOutcomesFrom(json: unknown): ChangeOutcomeView[] {
  const rows = (typeof json === "string" ? JSON.parse(json) : (json ?? [])) as ChangeOutcomeRow[];
  return rows.map((c) => ({
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
    progress: c.progress ? applyProgressFrom(c.progress) : null,
  }));
}
