/**
 * An organization's configuration as files in the Auth0 Deploy CLI's directory format
 * (`a0deploy import --format directory`): `connections/<name>.json` holds the connection as the
 * Management API takes it (name, strategy, display_name, options, enabled_clients, metadata),
 * `organizations/<name>.json` the Auth0 organization and its enabled connections by name.
 *
 * Secrets never reach the repository: each is replaced by a `##KEYWORD##` placeholder, which the
 * Deploy CLI replaces literally at import from AUTH0_KEYWORD_REPLACE_MAPPINGS; the portal hands
 * the mappings to the deploy command's environment only.
 */

export interface DeployConnectionInput {
  name: string;
  strategy: string;
  displayName: string;
  options: Record<string, unknown>;
  showAsButton?: boolean;
  /** Applications (client ids) the connection is enabled for. */
  enabledClients: string[];
  metadata: Record<string, string>;
}

export interface DeployOrganizationInput {
  /** The Auth0 organization's name (its identifier in the Deploy CLI's files). */
  name: string;
  displayName: string;
  metadata: Record<string, string>;
  connections: { name: string; assignMembershipOnLogin: boolean; showAsButton: boolean }[];
}

export interface DeployDirectory {
  /** Path (relative, `/`-separated) → file content. */
  files: Record<string, string>;
  /**
   * Placeholder keyword → its replacement, as AUTH0_KEYWORD_REPLACE_MAPPINGS takes it: for the
   * deploy command's environment, never for a file.
   */
  keywords: Record<string, unknown>;
}

/** Connection options that hold secrets. */
export const SECRET_OPTION_KEYS = ["client_secret", "signing_key", "decryptionKey"] as const;

/** The Deploy CLI's file name rule (sanitize-filename with "-"): no path separators or reserved characters. */
export function deployFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[/?<>\\:*|"\u0000-\u001f\u0080-\u009f]/g, "-").replace(/^\.+$/, "-");
  return cleaned.slice(0, 250) || "undefined";
}

/** `##SSO_ACME_OIDC_CLIENT_SECRET##`: the Deploy CLI's own masking style, upper-case with underscores. */
export function secretKeyword(connectionName: string, option: string): string {
  const part = (s: string) => s.replace(/[^a-zA-Z0-9]/g, "_").toUpperCase();
  return `${part(connectionName)}_${part(option.replace(/([a-z])([A-Z])/g, "$1_$2"))}`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function deployDirectory(
  connection: DeployConnectionInput,
  organization: DeployOrganizationInput | null,
): DeployDirectory {
  const keywords: Record<string, unknown> = {};
  const options: Record<string, unknown> = { ...connection.options };
  for (const key of SECRET_OPTION_KEYS) {
    const value = options[key];
    if (value === undefined || value === null) continue;
    const keyword = secretKeyword(connection.name, key);
    if (typeof value === "string") {
      // ##KEY## is replaced literally inside the file's quotes: the mapping holds the JSON-escaped text.
      keywords[keyword] = JSON.stringify(value).slice(1, -1);
      options[key] = `##${keyword}##`;
    } else {
      // An object (a key pair): "@@KEY@@" is replaced, quotes and all, by the value as JSON.
      keywords[keyword] = value;
      options[key] = `@@${keyword}@@`;
    }
  }
  const files: Record<string, string> = {
    [`connections/${deployFileName(connection.name)}.json`]: json({
      name: connection.name,
      strategy: connection.strategy,
      display_name: connection.displayName,
      ...(connection.showAsButton !== undefined ? { show_as_button: connection.showAsButton } : {}),
      options,
      enabled_clients: [...connection.enabledClients].sort(),
      metadata: connection.metadata,
    }),
  };
  if (organization) {
    files[`organizations/${deployFileName(organization.name)}.json`] = json({
      name: organization.name,
      display_name: organization.displayName,
      metadata: organization.metadata,
      connections: organization.connections.map((c) => ({
        name: c.name,
        assign_membership_on_login: c.assignMembershipOnLogin,
        show_as_button: c.showAsButton,
      })),
    });
  }
  return { files, keywords };
}
