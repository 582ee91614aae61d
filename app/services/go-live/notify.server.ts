import type { Transaction } from "kysely";
import { organizationAdmins, supportAddresses } from "../change-requests/notify.server";
import { queueMail } from "../notifications/outbox.server";
import { renderLiveMail, type LiveMailFacts, type LiveMailKind } from "../notifications/templates";
import type { Database } from "../platform/db/schema";
import { getPublicUrl } from "../platform/public-url.server";

/**
 * The e-mails of test logins and the live connection: a test's result, a go-live, a roll back, a
 * support lead's disable / enable go to the organization's administrators (a roll back to support
 * too). Queued in the caller's transaction, once per event and person (`eventKey`).
 */
export async function queueLiveMail(
  trx: Transaction<Database>,
  event: {
    organizationId: string;
    kind: LiveMailKind;
    /** One mail per event: the test's id, the live event's job or row. */
    eventKey: string;
    /** The page to open, under the organization (e.g. `sso/live`). */
    page: string;
    facts: Omit<LiveMailFacts, "organizationName" | "link">;
  },
): Promise<void> {
  const org = await trx
    .selectFrom("organizations")
    .select(["name", "slug"])
    .where("id", "=", event.organizationId)
    .executeTakeFirstOrThrow();
  const link = `${getPublicUrl()}/orgs/${org.slug}/${event.page}`;
  const admins = await organizationAdmins(trx, event.organizationId);
  const mail = renderLiveMail(event.kind, { ...event.facts, organizationName: org.name, link });
  const recipients = [
    ...admins.map((a) => ({ email: a.email, userId: a.userId as string | null })),
    // Support hears of a roll back: a customer backing out a change is worth a look.
    ...(event.kind === "live.roll_back" ? supportAddresses().map((email) => ({ email, userId: null })) : []),
  ];
  await queueMail(
    trx,
    recipients.map((r) => ({
      ...mail,
      dedupeKey: `${event.kind}:${event.eventKey}`,
      to: r.email,
      toUserId: r.userId,
      organizationId: event.organizationId,
      kind: event.kind,
      link,
    })),
  );
}
