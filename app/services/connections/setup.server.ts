import type { ValidationReport } from "~/validators/index";
import type { OidcDetails, SamlDetails, SamlMethod } from "~/forms/sso-setup";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrgScope } from "../identity/scope.server";
import { judgeMetadataDocument, judgeMetadataUrl, judgeOidcProvider } from "../idp-documents/idp-validation.server";
import { getDb } from "../platform/db.server";
import { getSecretsKey, isSealed, sealJson } from "../platform/secrets.server";
import type { ConnectionSource, SealedSecret } from "./configuration";
import { configurationFromReport, type ConfigurationInput } from "./configuration.server";
import { getDraft, saveDraft, type Draft, type SaveDraftResult } from "./drafts.server";
import { IDENTITY_PROVIDERS, productMismatch, type AttributeMapping, type IdpId } from "./identity-providers";
import { metadataFromManualFields } from "./manual-metadata";

/**
 * The setup wizard's work, for one administrator of one organization: where they are (what they
 * typed, the last check's report), each step's submission, and saving the checked result as the
 * organization's draft. Every step is stored server-side, so the browser's Back, a reload or a
 * form without JavaScript loses nothing; a typed client secret is sealed at once and never sent
 * back to the page.
 */
export interface SetupInput {
  idp?: IdpId;
  mapping?: AttributeMapping;
  saml?: {
    method: SamlMethod;
    metadataUrl?: string;
    fileName?: string;
    /** The uploaded document, kept until the draft is saved (a check may be repeated). */
    fileText?: string;
    signInUrl?: string;
    entityId?: string;
    certificate?: string;
  };
  oidc?: {
    discoveryUrl: string;
    clientId: string;
    clientType: "back_channel" | "front_channel";
    clientSecret: SealedSecret | null;
  };
}

export interface SetupState {
  input: SetupInput;
  report: ValidationReport | null;
  /** The draft version this administrator's edit replaces (null: no draft when they started). */
  draftVersion: number | null;
  draft: Draft | null;
}

function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** The input a saved draft stands for: where an administrator who edits it starts. */
function inputFromDraft(draft: Draft): SetupInput {
  const c = draft.configuration;
  const input: SetupInput = { idp: c.idp, mapping: c.mapping };
  if (c.protocol === "saml") {
    const s = c.source;
    input.saml =
      s.kind === "url"
        ? { method: "url", metadataUrl: s.url }
        : s.kind === "file"
          ? { method: "file", fileName: s.fileName }
          : {
              method: "manual",
              signInUrl: c.options.signInEndpoint,
              entityId: c.entityId,
              certificate: Buffer.from(c.options.signingCert, "base64").toString("utf8"),
            };
  } else {
    input.oidc = {
      discoveryUrl: c.source.kind === "discovery" ? c.source.url : (c.options.discovery_url ?? ""),
      clientId: c.clientId,
      clientType: c.clientType,
      clientSecret: c.clientSecret,
    };
  }
  return input;
}

export async function getSetup(scope: OrgScope): Promise<SetupState> {
  assertOrgPermission(scope, "org:sso:manage");
  const db = await getDb();
  const [row, draft] = await Promise.all([
    db
      .selectFrom("connection_setup_progress")
      .selectAll()
      .where("organization_id", "=", scope.org.id)
      .where("user_id", "=", scope.user.id)
      .executeTakeFirst(),
    getDraft(scope),
  ]);
  if (row) {
    return {
      input: json<SetupInput>(row.input),
      report: row.report ? json<ValidationReport>(row.report) : null,
      draftVersion: row.draft_version,
      draft,
    };
  }
  if (draft && draft.state === "draft")
    return { input: inputFromDraft(draft), report: draft.report, draftVersion: draft.version, draft };
  return { input: {}, report: null, draftVersion: null, draft };
}

async function storeProgress(scope: OrgScope, state: Pick<SetupState, "input" | "report" | "draftVersion">) {
  const db = await getDb();
  const values = {
    input: JSON.stringify(state.input),
    report: state.report ? JSON.stringify(state.report) : null,
    draft_version: state.draftVersion,
    updated_at: new Date(),
  };
  await db
    .insertInto("connection_setup_progress")
    .values({ organization_id: scope.org.id, user_id: scope.user.id, ...values })
    .onConflict((oc) => oc.columns(["organization_id", "user_id"]).doUpdateSet(values))
    .execute();
}

/** Step 1: the IdP. Choosing another one starts its details afresh with its own attribute names. */
export async function chooseIdp(scope: OrgScope, idp: IdpId): Promise<void> {
  const state = await getSetup(scope);
  if (state.input.idp === idp) {
    await storeProgress(scope, state);
    return;
  }
  const sameProtocol =
    state.input.idp && IDENTITY_PROVIDERS[state.input.idp].protocol === IDENTITY_PROVIDERS[idp].protocol;
  const input: SetupInput = {
    idp,
    mapping: IDENTITY_PROVIDERS[idp].attributes,
    // Switching between two SAML IdPs keeps nothing typed for the other; a URL belongs to one IdP.
    ...(sameProtocol && state.input.oidc ? { oidc: state.input.oidc } : {}),
  };
  await storeProgress(scope, { input, report: null, draftVersion: state.draftVersion });
}

function mappingOf(d: SamlDetails | OidcDetails): AttributeMapping {
  return {
    email: d.emailAttribute,
    givenName: d.givenNameAttribute,
    familyName: d.familyNameAttribute,
    groups: d.groupsAttribute,
  };
}

/** The chosen-vs-detected product warning, added to the validators' own findings. */
export function withProductCheck(report: ValidationReport, idp: IdpId): ValidationReport {
  const product = "product" in report.facts ? report.facts.product : undefined;
  if (!productMismatch(idp, product)) return report;
  const chosen = IDENTITY_PROVIDERS[idp].name;
  const warnings = [
    ...report.warnings,
    {
      code: "IDP_PRODUCT_MISMATCH",
      message: `This looks like ${product}'s, but you chose ${chosen}.`,
      fix: `Check that you copied it from ${chosen}, or go back and choose ${product ?? "the right identity provider"}.`,
    },
  ];
  return { ...report, warnings, verdict: report.verdict === "error" ? "error" : "warn" } as ValidationReport;
}

export type DetailsResult = { ok: true; report: ValidationReport } | { ok: false; field: string; message: string };

/** Step 3 for SAML: store what was given and check it (URL through the SSRF-safe fetcher). */
export async function submitSamlDetails(
  scope: OrgScope,
  details: SamlDetails,
  upload: { fileName: string; text: string } | null,
  certificateUpload: string | null,
): Promise<DetailsResult> {
  const state = await getSetup(scope);
  const idp = state.input.idp;
  if (!idp || IDENTITY_PROVIDERS[idp].protocol !== "saml")
    return { ok: false, field: "form", message: "Choose a SAML identity provider first." };
  const saml: NonNullable<SetupInput["saml"]> = { method: details.givenBy };
  let report: ValidationReport;
  if (details.givenBy === "url") {
    saml.metadataUrl = details.metadataUrl;
    report = await judgeMetadataUrl(details.metadataUrl);
  } else if (details.givenBy === "file") {
    const file =
      upload ??
      (state.input.saml?.fileText
        ? { fileName: state.input.saml.fileName ?? "metadata.xml", text: state.input.saml.fileText }
        : null);
    if (!file) return { ok: false, field: "metadataFile", message: "Choose your IdP's metadata file (an .xml file)." };
    saml.fileName = file.fileName;
    saml.fileText = file.text;
    report = judgeMetadataDocument(file.text);
  } else {
    const certificate = certificateUpload ?? details.certificate;
    if (!certificate.trim())
      return {
        ok: false,
        field: "certificate",
        message: "Paste your IdP's signing certificate (PEM), or upload its file.",
      };
    Object.assign(saml, { signInUrl: details.signInUrl, entityId: details.entityId, certificate });
    report = judgeMetadataDocument(
      metadataFromManualFields({ signInUrl: details.signInUrl, entityId: details.entityId, certificate }),
    );
  }
  report = withProductCheck(report, idp);
  await storeProgress(scope, {
    input: { idp, mapping: mappingOf(details), saml },
    report,
    draftVersion: state.draftVersion,
  });
  return { ok: true, report };
}

/** Step 3 for OIDC: discovery document and keys through the SSRF-safe fetcher; the secret sealed. */
export async function submitOidcDetails(scope: OrgScope, details: OidcDetails): Promise<DetailsResult> {
  const state = await getSetup(scope);
  const idp = state.input.idp;
  if (!idp || IDENTITY_PROVIDERS[idp].protocol !== "oidc")
    return { ok: false, field: "form", message: "Choose an OpenID Connect identity provider first." };
  const typed = details.clientSecret.trim();
  const stored = state.input.oidc?.clientSecret ?? null;
  const backChannel = details.clientType === "back_channel";
  const clientSecret: SealedSecret | null = !backChannel
    ? null
    : typed
      ? sealJson(typed, getSecretsKey())
      : isSealed(stored)
        ? stored
        : null;
  if (backChannel && !clientSecret)
    return {
      ok: false,
      field: "clientSecret",
      message: "Enter the client secret, or choose front channel if your application has none.",
    };
  let report = await judgeOidcProvider(details.discoveryUrl, {
    clientId: details.clientId,
    // Only a newly typed secret is shape-checked; the checker never echoes it.
    ...(backChannel && typed ? { clientSecret: typed } : {}),
  });
  report = withProductCheck(report, idp);
  const oidc = {
    discoveryUrl: details.discoveryUrl,
    clientId: details.clientId,
    clientType: details.clientType,
    clientSecret,
  };
  await storeProgress(scope, {
    input: { idp, mapping: mappingOf(details), oidc },
    report,
    draftVersion: state.draftVersion,
  });
  return { ok: true, report };
}

/** What configurationFromReport needs, from the wizard's stored input (the secret stays sealed). */
export function configurationInput(input: SetupInput, idp: IdpId, mapping: AttributeMapping): ConfigurationInput {
  return {
    idp,
    source: sourceOf(input),
    mapping,
    ...(input.oidc
      ? {
          oidc: {
            clientType: input.oidc.clientType,
            clientId: input.oidc.clientId,
            clientSecret: input.oidc.clientSecret,
          },
        }
      : {}),
  };
}

function sourceOf(input: SetupInput): ConnectionSource {
  if (input.oidc) return { kind: "discovery", url: input.oidc.discoveryUrl };
  const s = input.saml!;
  if (s.method === "url") return { kind: "url", url: s.metadataUrl! };
  if (s.method === "file") return { kind: "file", fileName: s.fileName ?? "metadata.xml" };
  return { kind: "manual" };
}

export type SaveSetupResult = SaveDraftResult | { ok: false; reason: "not-checked" | "has-errors" };

/**
 * Step 4: the checked configuration becomes the organization's draft. `expectedVersion` is the
 * draft version the administrator saw (the optimistic check); their progress is cleared once saved.
 */
export async function saveSetupAsDraft(scope: OrgScope, expectedVersion: number | null): Promise<SaveSetupResult> {
  const state = await getSetup(scope);
  const { input, report } = state;
  if (!report || !input.idp || !input.mapping || (!input.saml && !input.oidc))
    return { ok: false, reason: "not-checked" };
  if (report.verdict === "error") return { ok: false, reason: "has-errors" };
  const configuration = configurationFromReport(report, configurationInput(input, input.idp, input.mapping));
  const result = await saveDraft(scope, { configuration, report }, expectedVersion);
  if (result.ok) await clearSetup(scope);
  return result;
}

/** Forgets this administrator's progress (after a save, or "start over"). */
export async function clearSetup(scope: OrgScope): Promise<void> {
  const db = await getDb();
  await db
    .deleteFrom("connection_setup_progress")
    .where("organization_id", "=", scope.org.id)
    .where("user_id", "=", scope.user.id)
    .execute();
}
