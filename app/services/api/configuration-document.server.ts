import { z } from "zod";
import type { ValidationReport } from "~/validators/index";
import { configurationFromReport, ReportNotUsableError } from "../connections/configuration.server";
import { attributeMappingSchema, type ConnectionSource } from "../connections/configuration";
import { IDENTITY_PROVIDERS, IDP_IDS } from "../connections/identity-providers";
import { withProductCheck } from "../connections/setup.server";
import { judgeMetadataDocument, judgeMetadataUrl, judgeOidcProvider } from "../idp-documents/idp-validation.server";
import type { SubmitInput } from "../change-requests/submit.server";
import { ApiError } from "./errors";

/**
 * A configuration document sent to the API: the identity provider and its side (SAML metadata as
 * XML or a URL; OIDC discovery URL and client), judged by the same validators as the setup wizard
 * (URLs through the SSRF-safe fetcher) and turned into the same normalized configuration. A
 * client secret is sealed at once and never echoed.
 */
const url = z.string().url().max(2048);

export const configurationDocumentSchema = z
  .object({
    idp: z.enum(IDP_IDS),
    saml: z
      .union([
        z
          .object({
            metadataXml: z
              .string()
              .min(1)
              .max(1024 * 1024),
          })
          .strict(),
        z.object({ metadataUrl: url }).strict(),
      ])
      .optional(),
    oidc: z
      .object({
        discoveryUrl: url,
        clientId: z.string().trim().min(1).max(255),
        clientType: z.enum(["back_channel", "front_channel"]).default("back_channel"),
        clientSecret: z.string().min(1).max(1024).optional(),
      })
      .strict()
      .optional(),
    /** Attribute names; each one left out is the identity provider's usual one. */
    mapping: attributeMappingSchema.partial().optional(),
  })
  .strict();

export type ConfigurationDocument = z.infer<typeof configurationDocumentSchema>;

function findingsText(report: ValidationReport): string {
  return report.errors
    .slice(0, 5)
    .map((e) => `${e.message} ${e.fix}`.trim())
    .join(" ");
}

/** Judges the document; throws ApiError (400) when it does not make a configuration. */
export async function judgeConfigurationDocument(doc: ConfigurationDocument): Promise<SubmitInput> {
  const idp = IDENTITY_PROVIDERS[doc.idp];
  const mapping = { ...idp.attributes, ...doc.mapping };
  let report: ValidationReport;
  let source: ConnectionSource;
  if (idp.protocol === "saml") {
    if (!doc.saml || doc.oidc) {
      throw new ApiError(
        "invalid_request",
        `saml: ${idp.name} is a SAML identity provider; send saml.metadataXml or saml.metadataUrl.`,
      );
    }
    if ("metadataXml" in doc.saml) {
      report = judgeMetadataDocument(doc.saml.metadataXml);
      source = { kind: "file", fileName: "metadata.xml" };
    } else {
      report = await judgeMetadataUrl(doc.saml.metadataUrl);
      source = { kind: "url", url: doc.saml.metadataUrl };
    }
  } else {
    if (!doc.oidc || doc.saml) {
      throw new ApiError(
        "invalid_request",
        `oidc: ${idp.name} is an OpenID Connect provider; send oidc.discoveryUrl and oidc.clientId.`,
      );
    }
    if (doc.oidc.clientType === "back_channel" && !doc.oidc.clientSecret) {
      throw new ApiError(
        "invalid_request",
        "oidc.clientSecret: a back-channel client needs its secret (or send clientType front_channel).",
      );
    }
    report = await judgeOidcProvider(doc.oidc.discoveryUrl, {
      clientId: doc.oidc.clientId,
      ...(doc.oidc.clientSecret ? { clientSecret: doc.oidc.clientSecret } : {}),
    });
    source = { kind: "discovery", url: doc.oidc.discoveryUrl };
  }
  report = withProductCheck(report, doc.idp);
  if (report.verdict === "error") {
    throw new ApiError("invalid_request", `The configuration has errors: ${findingsText(report)}`.slice(0, 2000));
  }
  try {
    const configuration = configurationFromReport(report, {
      idp: doc.idp,
      source,
      mapping,
      ...(doc.oidc
        ? {
            oidc: {
              clientType: doc.oidc.clientType,
              clientId: doc.oidc.clientId,
              clientSecret: doc.oidc.clientSecret ?? null,
            },
          }
        : {}),
    });
    return { configuration, report };
  } catch (err) {
    if (err instanceof ReportNotUsableError) throw new ApiError("invalid_request", err.message);
    throw err;
  }
}
