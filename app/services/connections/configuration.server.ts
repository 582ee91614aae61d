import type { ValidationReport } from "~/validators/index";
import type { DesiredApply } from "../apply/jobs.server";
import { getSecretsKey, isSealed, sealJson, type SecretsKey } from "../platform/secrets.server";
import {
  connectionConfigurationSchema,
  type ConnectionConfiguration,
  type ConnectionSource,
  type SealedSecret,
} from "./configuration";
import {
  AUTH0_PROFILE_ATTRIBUTE,
  IDENTITY_PROVIDERS,
  MAPPED_FIELDS,
  type AttributeMapping,
  type IdpId,
} from "./identity-providers";

/** What the admin chose and typed beside the IdP's document. */
export interface ConfigurationInput {
  idp: IdpId;
  source: ConnectionSource;
  mapping: AttributeMapping;
  /** OIDC only. `clientSecret`: the pasted value (sealed here) or the draft's sealed one, kept. */
  oidc?: {
    clientType: "back_channel" | "front_channel";
    clientId: string;
    clientSecret?: string | SealedSecret | null;
  };
}

export class ReportNotUsableError extends Error {
  override name = "ReportNotUsableError";
}

/**
 * The normalized configuration from a report the validators made and what the admin chose. Refuses
 * a report with errors (errors block saving) or of the wrong kind for the chosen IdP. A pasted
 * client secret is sealed before it enters the configuration and never leaves this function in
 * the clear.
 */
export function configurationFromReport(
  report: ValidationReport,
  input: ConfigurationInput,
  opts: { secretsKey?: SecretsKey } = {},
): ConnectionConfiguration {
  const protocol = IDENTITY_PROVIDERS[input.idp].protocol;
  if (report.verdict === "error" || !report.options)
    throw new ReportNotUsableError("The report has errors: fix them before saving.");
  const common = { idp: input.idp, source: input.source, mapping: input.mapping };
  if (protocol === "saml") {
    if (report.kind !== "saml-metadata") throw new ReportNotUsableError(`${input.idp} needs SAML metadata.`);
    const o = report.options;
    if (!o.signingCert) throw new ReportNotUsableError("The metadata has no signing certificate.");
    return connectionConfigurationSchema.parse({
      protocol: "saml",
      ...common,
      entityId: report.facts.entityId,
      options: {
        signInEndpoint: o.signInEndpoint,
        ...(o.signOutEndpoint ? { signOutEndpoint: o.signOutEndpoint } : {}),
        signingCert: o.signingCert,
        protocolBinding: o.protocolBinding,
        signatureAlgorithm: o.signatureAlgorithm,
        digestAlgorithm: o.digestAlgorithm,
        signSAMLRequest: o.signSAMLRequest,
      },
    });
  }
  if (report.kind !== "oidc-discovery")
    throw new ReportNotUsableError(`${input.idp} needs an OpenID Connect provider.`);
  if (!input.oidc) throw new ReportNotUsableError("An OpenID Connect connection needs its client.");
  const o = report.options;
  const { clientType, clientId } = input.oidc;
  const given = input.oidc.clientSecret;
  let clientSecret: SealedSecret | null = null;
  if (clientType === "back_channel" && given) {
    clientSecret = isSealed(given) ? given : sealJson(given.trim(), opts.secretsKey ?? getSecretsKey());
  }
  return connectionConfigurationSchema.parse({
    protocol: "oidc",
    ...common,
    clientType,
    clientId: clientId.trim(),
    clientSecret,
    options: {
      ...(o.discovery_url ? { discovery_url: o.discovery_url } : {}),
      issuer: o.issuer,
      authorization_endpoint: o.authorization_endpoint,
      token_endpoint: o.token_endpoint,
      ...(o.userinfo_endpoint ? { userinfo_endpoint: o.userinfo_endpoint } : {}),
      jwks_uri: o.jwks_uri,
      scope: o.scope,
    },
  });
}

const SAML_KEYS = [
  "signInEndpoint",
  "signOutEndpoint",
  "signingCert",
  "protocolBinding",
  "signatureAlgorithm",
  "digestAlgorithm",
  "signSAMLRequest",
  "fieldsMap",
];
const OIDC_KEYS = [
  "type",
  "discovery_url",
  "issuer",
  "client_id",
  "client_secret",
  "authorization_endpoint",
  "token_endpoint",
  "userinfo_endpoint",
  "jwks_uri",
  "scope",
  "attribute_map",
];

/** The mapping entries that name an attribute, keyed by the Auth0 profile attribute they fill. */
function mappedAttributes(mapping: AttributeMapping): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of MAPPED_FIELDS) {
    const name = mapping[field].trim();
    if (name) out[AUTH0_PROFILE_ATTRIBUTE[field]] = name;
  }
  return out;
}

export interface DesiredStateOptions {
  /** The configuration version being applied (monotonic per organization). */
  version: number;
  displayName: string;
  enabledClients?: string[];
  disabledClients?: string[];
  organization?: { assignMembershipOnLogin: boolean; showAsButton: boolean } | null;
}

/**
 * The apply engine's desired state (`desiredApplySchema`) for a configuration: the Auth0 options
 * the portal owns (`managedOptionKeys`, so a removed sign-out URL is removed too). The sealed
 * client secret goes in as it is; the worker opens it just before it reaches Auth0.
 */
export function desiredStateFor(config: ConnectionConfiguration, opts: DesiredStateOptions): DesiredApply {
  const base = {
    enabledClients: opts.enabledClients ?? [],
    disabledClients: opts.disabledClients ?? [],
    organization: opts.organization ?? null,
  };
  if (config.protocol === "saml") {
    return {
      ...base,
      connection: {
        protocol: "saml",
        strategy: "samlp",
        version: opts.version,
        displayName: opts.displayName,
        options: { ...config.options, fieldsMap: mappedAttributes(config.mapping) },
        managedOptionKeys: SAML_KEYS,
      },
    };
  }
  const defaults = mappedAttributes(IDENTITY_PROVIDERS.oidc.attributes);
  const custom = Object.fromEntries(
    Object.entries(mappedAttributes(config.mapping))
      .filter(([attr, claim]) => defaults[attr] !== claim)
      .map(([attr, claim]) => [attr, `\${context.tokenset.id_token.${claim}}`]),
  );
  return {
    ...base,
    connection: {
      protocol: "oidc",
      strategy: "oidc",
      version: opts.version,
      displayName: opts.displayName,
      options: {
        type: config.clientType,
        ...config.options,
        client_id: config.clientId,
        ...(config.clientSecret ? { client_secret: config.clientSecret } : {}),
        // Claims named as Auth0 expects need no map; others are copied under Auth0's names.
        ...(Object.keys(custom).length ? { attribute_map: { mapping_mode: "bind_all", attributes: custom } } : {}),
      },
      managedOptionKeys: OIDC_KEYS,
    },
  };
}
