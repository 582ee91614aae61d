import { z } from "zod";
import { DEFAULT_TTL_HOURS, MAX_TTL_HOURS, MAX_USES_LIMIT } from "~/services/identity/invitation-rules";

/** Role, maximum uses and validity of a new setup link: the organization page's form. */
export const setupLinkSchema = z.object({
  role: z.enum(["org_admin", "org_viewer"], { message: "Choose Administrator or Viewer." }),
  maxUses: z.coerce
    .number({ message: "Give a number." })
    .int("Use a whole number.")
    .min(1, "At least 1.")
    .max(MAX_USES_LIMIT, `At most ${MAX_USES_LIMIT}.`),
  ttlHours: z.coerce
    .number({ message: "Give a number of hours." })
    .int("Use a whole number of hours.")
    .min(1, "At least 1 hour.")
    .max(MAX_TTL_HOURS, `At most ${MAX_TTL_HOURS} hours (30 days).`),
});

/** The support console's form: the same fields, for an organization chosen from the list. */
export const supportSetupLinkSchema = setupLinkSchema.extend({
  orgSlug: z.string().min(1, "Choose an organization."),
});

export const setupLinkDefaults = { maxUses: "1", ttlHours: String(DEFAULT_TTL_HOURS) } as const;

/** The one-button form that revokes a setup link. */
export const revokeSetupLinkSchema = z.object({ invitationId: z.string().uuid() });
