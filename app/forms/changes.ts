import { z } from "zod";

/** The forms of change requests (submit, review, retry, restore) and of the risk policies. */

const changeId = z.string().regex(/^\d{1,18}$/, "Reload the page: this change is not known.");

export const changeIdSchema = z.object({ changeId });

export const submitDraftSchema = z.object({
  draftVersion: z.coerce.number().int().positive("Reload the page: the draft is not known."),
});

export const rejectSchema = z.object({
  changeId,
  reason: z
    .string()
    .trim()
    .min(1, "Say why: the customer reads this to fix the change.")
    .max(2000, "Keep the reason under 2,000 characters."),
});

export const restoreSchema = z.object({
  version: z.coerce.number().int().positive("Choose a version to restore."),
});

const toggle = z.enum(["on", "off"], { message: "Choose one." }).transform((v) => v === "on");

export const policiesSchema = z.object({
  autoApproveCertificateRotation: toggle,
  autoApproveTrustedOrganizations: toggle,
  autoApproveRestorePrevious: toggle,
});

export const trustSchema = z.object({
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, "Give the organization's slug, e.g. acme.")
    .regex(/^[a-z0-9](-?[a-z0-9])*$/, "A slug holds lower-case letters, digits and single hyphens, e.g. acme-corp."),
});
