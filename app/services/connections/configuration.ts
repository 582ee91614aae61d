import { z } from "zod";
import { IDP_IDS, type AttributeMapping } from "./identity-providers";

/**
 * The normalized configuration of an organization's one enterprise connection: what a draft holds,
 * what a change request freezes and what the apply engine's desired state is made from
 * (`desiredStateFor`). Built only from a validation report (`configurationFromReport`), so every
 * value in it was checked. Isomorphic and JSON-safe; a client secret is never in it in the clear,
 * only as a sealed envelope (app/services/platform/secrets.server.ts).
 */

const url = z.string().url().max(2048);

export const sealedSecretSchema = z.object({ $sealed: z.string().min(1) }).strict();
export type SealedSecret = z.infer<typeof sealedSecretSchema>;

/** Where the IdP's side came from. */
export const connectionSourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("file"), fileName: z.string().min(1).max(255) }),
  z.object({ kind: z.literal("url"), url }),
  z.object({ kind: z.literal("manual") }),
  z.object({ kind: z.literal("discovery"), url }),
]);
export type ConnectionSource = z.infer<typeof connectionSourceSchema>;

const attributeName = z.string().trim().max(512);
export const attributeMappingSchema = z.object({
  email: attributeName.min(1, "Name the attribute that carries the e-mail address."),
  givenName: attributeName,
  familyName: attributeName,
  groups: attributeName,
}) satisfies z.ZodType<AttributeMapping>;

/** The samlp options the validators normalized (app/validators/report.ts `SamlpOptions`). */
export const samlpOptionsSchema = z.object({
  signInEndpoint: url,
  signOutEndpoint: url.optional(),
  signingCert: z.string().min(1),
  protocolBinding: z.string().min(1),
  signatureAlgorithm: z.literal("rsa-sha256"),
  digestAlgorithm: z.literal("sha256"),
  signSAMLRequest: z.boolean(),
});

/** The oidc options the validators normalized, without the client credentials (kept beside them). */
export const oidcOptionsSchema = z.object({
  discovery_url: url.optional(),
  issuer: z.string().min(1).max(2048),
  authorization_endpoint: url,
  token_endpoint: url,
  userinfo_endpoint: url.optional(),
  jwks_uri: url,
  scope: z.string().min(1).max(512),
});

const common = {
  idp: z.enum(IDP_IDS),
  source: connectionSourceSchema,
  mapping: attributeMappingSchema,
};

export const samlConfigurationSchema = z.object({
  protocol: z.literal("saml"),
  ...common,
  /** The IdP's entity ID (issuer of its assertions). */
  entityId: z.string().min(1).max(1024),
  options: samlpOptionsSchema,
});

export const oidcConfigurationSchema = z.object({
  protocol: z.literal("oidc"),
  ...common,
  /** back_channel: code flow with the client secret; front_channel: no secret (form post). */
  clientType: z.enum(["back_channel", "front_channel"]),
  clientId: z.string().min(1).max(255),
  /** Only for back_channel; sealed, never in the clear. */
  clientSecret: sealedSecretSchema.nullable(),
  options: oidcOptionsSchema,
});

export const connectionConfigurationSchema = z
  .discriminatedUnion("protocol", [samlConfigurationSchema, oidcConfigurationSchema])
  .superRefine((c, ctx) => {
    if (c.protocol === "oidc" && c.clientType === "back_channel" && !c.clientSecret)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["clientSecret"],
        message: "A back-channel client needs its secret.",
      });
    if (c.protocol === "oidc" && c.clientType === "front_channel" && c.clientSecret)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["clientSecret"],
        message: "A front-channel client has no secret.",
      });
  });

export type ConnectionConfiguration = z.infer<typeof connectionConfigurationSchema>;
export type SamlConfiguration = z.infer<typeof samlConfigurationSchema>;
export type OidcConfiguration = z.infer<typeof oidcConfigurationSchema>;
