import { z } from "zod";
import { desiredApplySchema } from "../apply/jobs.server";

/**
 * What a change request holds: the comparable view a reviewer reads and the whole desired state the
 * apply job pushes (without its version, given when the change is approved). Parsed on every read:
 * a row is input like any other.
 */
const certificate = z.object({
  fingerprintSha256: z.string(),
  subject: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
});

export const comparableSchema = z.object({
  protocol: z.enum(["saml", "oidc"]),
  entityId: z.string().optional(),
  signInUrl: z.string().optional(),
  signOutUrl: z.string().optional(),
  bindings: z.array(z.string()).default([]),
  certificates: z.array(certificate).default([]),
  issuer: z.string().optional(),
  discoveryUrl: z.string().optional(),
  clientId: z.string().optional(),
  attributeMapping: z.record(z.string()).default({}),
});

export const changeDesiredSchema = z.object({
  comparable: comparableSchema,
  apply: desiredApplySchema.extend({
    connection: desiredApplySchema.shape.connection.omit({ version: true }),
  }),
});

export type ChangeDesired = z.input<typeof changeDesiredSchema>;
export type ParsedChangeDesired = z.output<typeof changeDesiredSchema>;

export function parseDesired(value: unknown): ParsedChangeDesired {
  return changeDesiredSchema.parse(typeof value === "string" ? JSON.parse(value) : value);
}
