import { z } from "zod";

/** What the portal reads from Management API answers; anything else Auth0 sends passes through. */

export const connectionSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    display_name: z.string().optional(),
    strategy: z.string().min(1),
    options: z.record(z.unknown()).optional(),
    metadata: z.record(z.unknown()).nullish(),
    show_as_button: z.boolean().optional(),
    realms: z.array(z.string()).optional(),
  })
  .passthrough();
export type Auth0Connection = z.infer<typeof connectionSchema>;

export const enabledClientsPageSchema = z.array(z.object({ client_id: z.string().min(1) }).passthrough());

export const organizationConnectionSchema = z
  .object({
    connection_id: z.string().min(1),
    assign_membership_on_login: z.boolean().optional(),
    show_as_button: z.boolean().optional(),
  })
  .passthrough();
export type Auth0OrganizationConnection = z.infer<typeof organizationConnectionSchema>;

export const auth0OrganizationSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    display_name: z.string().optional(),
    metadata: z.record(z.string().nullable()).nullish(),
  })
  .passthrough();
export type Auth0Organization = z.infer<typeof auth0OrganizationSchema>;

/** Parses an Auth0 answer; a shape the portal does not understand is Auth0 misbehaving. */
export function parseAnswer<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UnexpectedAnswerError(
      `Auth0 sent an unexpected ${what}: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? ""}`,
    );
  }
  return result.data;
}

export class UnexpectedAnswerError extends Error {
  override name = "UnexpectedAnswerError";
}
