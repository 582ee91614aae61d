import type { Invitation } from "~/services/platform/db/schema";
import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { redirectWithFlash, samePage } from "./flash.server";
import { parseSubmission, type Submission } from "./parse.server";
import { revokeSetupLinkSchema } from "./setup-links";

/**
 * After a setup link is created: back to the same page, which shows the link once (from the flash
 * cookie; the database keeps only the token's hash). `org` names the organization where the page
 * is not already its own.
 */
export function setupLinkCreated(
  request: Request,
  created: { url: string; invitation: Pick<Invitation, "role" | "expires_at" | "max_uses"> },
  org?: string,
) {
  return redirectWithFlash(samePage(request), {
    tone: "ok",
    message: "Setup link created. Copy it now: it is shown only once.",
    setupLink: {
      url: created.url,
      org,
      role: ORG_ROLE_LABEL[created.invitation.role],
      expiresAt: new Date(created.invitation.expires_at).toISOString(),
      maxUses: created.invitation.max_uses,
    },
  });
}

/**
 * The "revoke" button of a setup link, wherever a page lists them: `revoke` is the scoped service
 * call (it answers false for a link that is not this person's to revoke, which reads as 404).
 */
export async function revokeSetupLinkAction(
  request: Request,
  submission: Submission,
  revoke: (invitationId: string) => Promise<boolean>,
) {
  const parsed = parseSubmission(submission, revokeSetupLinkSchema);
  if (!parsed.ok || !(await revoke(parsed.value.invitationId)))
    throw new Response("No such setup link, or it was already revoked.", { status: 404 });
  return redirectWithFlash(samePage(request), { tone: "ok", message: "The setup link was revoked." });
}
