import { z } from "zod";

/** A support lead renames an organization. */
export const renameOrganizationSchema = z.object({
  name: z.string().trim().min(1, "Give a name of 1–100 characters.").max(100, "Give a name of 1–100 characters."),
});

/** A support lead suspends an organization (one button). */
export const suspendOrganizationSchema = z.object({});

/** A support lead resumes a suspended organization: nothing to fill in either. */
export const resumeOrganizationSchema = z.object({});

/** A support lead removes an organization: what happens in Auth0, and the slug typed to confirm. */
export const removeOrganizationSchema = z.object({
  connections: z.enum(["delete", "detach"], { message: "Choose what happens to its connections." }),
  auth0Organization: z.enum(["delete", "detach"], { message: "Choose what happens to its Auth0 organization." }),
  confirmation: z.string().trim().min(1, "Type the organization's slug to confirm."),
});
