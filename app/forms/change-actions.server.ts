import { changeIdSchema, submitDraftSchema } from "./changes";
import { redirectWithFlash, samePage } from "./flash.server";
import { parseSubmission, refuse, unknownIntent, type Submission } from "./parse.server";
import { retryChange } from "~/services/change-requests/review.server";
import { submitDraft, withdrawChange } from "~/services/change-requests/submit.server";
import type { OrgScope } from "~/services/identity/scope.server";
import type { ChangeRequestRow } from "~/services/platform/db/schema";

/** The forms that act on one change by its id: the service each calls, and what the administrator reads after. */
const BY_CHANGE_ID = {
  "withdraw-change": { run: withdrawChange, done: "Withdrawn. Your draft can be edited again." },
  "retry-change": { run: retryChange, done: "Applying again." },
};

/**
 * The customer's change forms, wherever a page shows them (the SSO page, the versions page):
 * submit the draft for review, withdraw a waiting change, retry a failed apply.
 */
export async function handleChangeAction(request: Request, scope: OrgScope, submission: Submission) {
  let result;
  let done: string;
  switch (submission.intent) {
    case "submit-change": {
      const parsed = parseSubmission(submission, submitDraftSchema);
      if (!parsed.ok) return parsed.reply;
      result = await submitDraft(scope, parsed.value.draftVersion);
      done = result.ok ? submittedMessage(result.change) : "";
      break;
    }
    case "withdraw-change":
    case "retry-change": {
      const parsed = parseSubmission(submission, changeIdSchema);
      if (!parsed.ok) return parsed.reply;
      const action = BY_CHANGE_ID[submission.intent];
      result = await action.run(scope, parsed.value.changeId);
      done = action.done;
      break;
    }
    default:
      return unknownIntent(submission);
  }
  if (!result.ok) {
    if (result.status === 404)
      throw new Response("That change does not exist, or you do not have access to it.", { status: 404 });
    return refuse(submission, result.error);
  }
  return redirectWithFlash(samePage(request), { tone: "ok", message: done });
}

/** What the administrator reads once a draft is submitted: waiting for review, or approved by a policy. */
export function submittedMessage(change: Pick<ChangeRequestRow, "state" | "policy_reason">): string {
  return change.state === "approved"
    ? `Submitted and approved at once (${change.policy_reason}). It is being applied to your test connection.`
    : "Submitted for review. You will get an e-mail when support has looked at it.";
}
