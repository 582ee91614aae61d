import { z } from "zod";
import { IDP_IDS } from "~/services/connections/identity-providers";
import { isUrlOf } from "~/validators/urls";

/**
 * The SSO setup wizard's forms, one zod schema each, used by the form in the browser and by the
 * action: the same messages on both sides. Field names are flat (a form without JavaScript posts
 * them as they are). Files (metadata, certificate) are read by the action beside these fields.
 */

export const WIZARD_STEPS = ["idp", "values", "details", "check"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];
export const WIZARD_STEP_LABEL: Record<WizardStep, string> = {
  idp: "Choose your IdP",
  values: "Values for your IdP",
  details: "Your IdP's details",
  check: "Check and save",
};

export const chooseIdpSchema = z.object({
  idp: z.enum(IDP_IDS, { errorMap: () => ({ message: "Choose your identity provider." }) }),
});

const trimmed = (max: number, tooLong: string) => z.string().trim().max(max, tooLong).default("");

/** A URL typed by a person: http(s) only, said in words when it is not one. */
const isWebUrl = (value: string) => isUrlOf(value, ["https:", "http:"]);
const URL_HINT = "Enter a full URL starting with https://, for example https://idp.example.com/metadata.";

const mappingFields = {
  emailAttribute: trimmed(512, "Attribute names are at most 512 characters."),
  givenNameAttribute: trimmed(512, "Attribute names are at most 512 characters."),
  familyNameAttribute: trimmed(512, "Attribute names are at most 512 characters."),
  groupsAttribute: trimmed(512, "Attribute names are at most 512 characters."),
};

export const SAML_METHODS = ["url", "file", "manual"] as const;
export type SamlMethod = (typeof SAML_METHODS)[number];

export const samlDetailsSchema = z
  .object({
    // Not "method": a field of that name would hide the <form>'s own `method` property.
    givenBy: z.enum(SAML_METHODS, { errorMap: () => ({ message: "Choose how you give your IdP's details." }) }),
    metadataUrl: trimmed(2048, "The URL is longer than 2048 characters."),
    /** Set by the page when a file was uploaded before: the wizard keeps it unless a new one comes. */
    fileKept: z.string().default(""),
    signInUrl: trimmed(2048, "The URL is longer than 2048 characters."),
    entityId: trimmed(1024, "The entity ID is longer than 1024 characters."),
    certificate: z.string().max(20_000, "Paste one certificate (PEM) only.").default(""),
    ...mappingFields,
  })
  .superRefine((v, ctx) => {
    const need = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (v.givenBy === "url") {
      if (!v.metadataUrl) need("metadataUrl", "Enter your IdP's metadata URL.");
      else if (!isWebUrl(v.metadataUrl)) need("metadataUrl", URL_HINT);
    }
    if (v.givenBy === "manual") {
      if (!v.signInUrl) need("signInUrl", "Enter your IdP's sign-in URL (its SAML single sign-on URL).");
      else if (!isWebUrl(v.signInUrl)) need("signInUrl", URL_HINT);
      if (!v.entityId) need("entityId", "Enter your IdP's entity ID (also called issuer).");
    }
    if (!v.emailAttribute) need("emailAttribute", "Name the attribute that carries the e-mail address.");
  });
export type SamlDetails = z.output<typeof samlDetailsSchema>;

export const oidcDetailsSchema = z
  .object({
    discoveryUrl: trimmed(2048, "The URL is longer than 2048 characters."),
    clientId: trimmed(255, "The client ID is longer than 255 characters."),
    clientSecret: z.string().max(1024, "The client secret is longer than 1024 characters.").default(""),
    /** "yes" when a secret is already stored: leaving the field empty keeps it. (Not named "secret…": refusals echo it back.) */
    credentialStored: z.string().default(""),
    clientType: z.enum(["back_channel", "front_channel"], {
      errorMap: () => ({ message: "Choose how your application talks to the IdP." }),
    }),
    ...mappingFields,
  })
  .superRefine((v, ctx) => {
    const need = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (!v.discoveryUrl)
      need("discoveryUrl", "Enter your IdP's discovery URL (it ends in /.well-known/openid-configuration).");
    else if (!isWebUrl(v.discoveryUrl)) need("discoveryUrl", URL_HINT);
    if (!v.clientId) need("clientId", "Enter the client ID of the application you created in your IdP.");
    if (v.clientType === "back_channel" && !v.clientSecret.trim() && v.credentialStored !== "yes")
      need("clientSecret", "Enter the client secret, or choose front channel if your application has none.");
    if (!v.emailAttribute) need("emailAttribute", "Name the claim that carries the e-mail address.");
  });
export type OidcDetails = z.output<typeof oidcDetailsSchema>;

export const saveDraftSchema = z
  .object({
    /** "yes" when the report has warnings: they must be acknowledged. */
    hasWarnings: z.string().default(""),
    // A checkbox: "on" from a form, true from react-hook-form; unticked is absent, false or "false".
    acknowledge: z.preprocess((v) => (v === "on" || v === true ? "on" : ""), z.string()),
    /** The draft version this save replaces ("" for none): the optimistic check. */
    expectedVersion: z.string().regex(/^\d*$/).default(""),
    /** A checkbox: submit the saved draft for review at once (the wizard's "Submit for review"). */
    submitForReview: z.preprocess((v) => (v === "on" || v === true ? "on" : ""), z.string()),
  })
  .superRefine((v, ctx) => {
    if (v.hasWarnings === "yes" && v.acknowledge !== "on")
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["acknowledge"],
        message: "Read the warnings above and tick the box to confirm before saving.",
      });
  });

/** Discarding the draft names the version the administrator saw. */
export const discardDraftSchema = z.object({
  version: z.string().regex(/^\d+$/, "Reload the page and try again."),
});
