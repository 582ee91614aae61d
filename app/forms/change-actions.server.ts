import { changeIdSchema, submitDraftSchema } from "./changes";
import { redirectWithFlash, samePage } from "./flash.server";
import { parseSubmission, refuse, unknownIntent, type Submission } from "./parse.server";
import { retryChange } from "~/services/change-requests/review.server";
import { submitDraft, withdrawChange } from "~/services/change-requests/submit.server";
import type { OrgScope } from "~/services/identity/scope.server";

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
      done =
        result.ok && result.change.state === "approved"
          ? `Submitted and approved at once (${result.ok ? result.change.policy_reason : ""}). It is being applied.`
          : "Submitted for review. You will get an e-mail when support has looked at it.";
      break;
    }
    case "withdraw-change": {
      const parsed = parseSubmission(submission, changeIdSchema);
      if (!parsed.ok) return parsed.reply;
      result = await withdrawChange(scope, parsed.value.changeId);
      done = "Withdrawn. Your draft can be edited again.";
      break;
    }
    case "retry-change": {
      const parsed = parseSubmission(submission, changeIdSchema);
      if (!parsed.ok) return parsed.reply;
      result = await retryChange(scope, parsed.value.changeId);
      done = "Applying again.";
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
