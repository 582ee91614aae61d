import { z } from "zod";

/** Lowercase letters, digits and single hyphens between them (acme-corp). */
export const SLUG_PATTERN = /^[a-z0-9](-?[a-z0-9])*$/;
/** An Auth0 organization id (org_abc123). */
export const AUTH0_ORG_ID_PATTERN = /^org_[A-Za-z0-9]{1,50}$/;

/**
 * A support lead adds an organization. The service checks the same rules again, and what only the
 * database knows (a slug or an Auth0 organization already taken).
 */
export const createOrganizationSchema = z.object({
  name: z.string().trim().min(1, "Give a name of 1–100 characters.").max(100, "Give a name of 1–100 characters."),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(40, "Use 1–40 lowercase letters, digits and single hyphens, e.g. acme-corp.")
    .regex(SLUG_PATTERN, "Use 1–40 lowercase letters, digits and single hyphens, e.g. acme-corp."),
  auth0OrgId: z
    .string()
    .trim()
    .refine(
      (v) => v === "" || AUTH0_ORG_ID_PATTERN.test(v),
      "An Auth0 organization id looks like org_abc123; leave it empty if you do not use Auth0 Organizations.",
    )
    .optional(),
});
