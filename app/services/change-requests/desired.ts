import { z } from "zod";
import { connectionConfigurationSchema } from "../connections/configuration";

/**
 * What a change request freezes: the normalized configuration (app/services/connections), the
 * comparable view a reviewer reads, and the connection's display name. The apply job's desired
 * state is made from it when the change is approved (with the version number given then). Parsed
 * on every read: a row is input like any other.
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
  tokenUrl: z.string().optional(),
  userinfoUrl: z.string().optional(),
  jwksUrl: z.string().optional(),
  clientId: z.string().optional(),
  attributeMapping: z.record(z.string()).default({}),
  secretRef: z.string().optional(),
});

export const changeDesiredSchema = z.object({
  configuration: connectionConfigurationSchema,
  comparable: comparableSchema,
  displayName: z.string().min(1).max(128),
});

export type ChangeDesired = z.input<typeof changeDesiredSchema>;
export type ParsedChangeDesired = z.output<typeof changeDesiredSchema>;

export function parseDesired(value: unknown): ParsedChangeDesired {
  return changeDesiredSchema.parse(typeof value === "string" ? JSON.parse(value) : value);
}
