import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writePrivateFile } from "./private-file.js";
import type { LocalTenant } from "./server.js";

/**
 * The local tenant's Management API credentials, for a developer who calls the API directly
 * (e.g. to cause drift). Secrets never appear in console output, so `npm start` and
 * `npm run local-tenant` write them to a file only the user can read and print its path.
 * The keys are those of a client-credentials token request, so the file feeds one as it is.
 */

export const MANAGEMENT_CREDENTIALS_FILE = "management-client.json";

const credentialsSchema = z.object({
  token_url: z.string().url(),
  audience: z.string().url(),
  management_api_url: z.string().url(),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
});
export type ManagementCredentials = z.infer<typeof credentialsSchema>;

/** Writes `<dir>/management-client.json` (mode 0600, replacing an older one) and returns its path. */
export function writeManagementCredentials(tenant: LocalTenant, dir: string): string {
  const credentials: ManagementCredentials = {
    token_url: `${tenant.url}/oauth/token`,
    audience: tenant.context.audience,
    management_api_url: tenant.managementApiUrl,
    client_id: tenant.mgmtClient.clientId,
    client_secret: tenant.mgmtClient.clientSecret,
  };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, MANAGEMENT_CREDENTIALS_FILE);
  writePrivateFile(path, `${JSON.stringify(credentials, null, 2)}\n`);
  return path;
}

export function readManagementCredentials(path: string): ManagementCredentials {
  return credentialsSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}

/**
 * Where the console says the secret is, never the secret itself. A secret given in
 * LOCAL_TENANT_MGMT_CLIENT_SECRET is the developer's own; a tenant whose saved state predates
 * the variable keeps the secret it was created with, and the line says so.
 */
export function describeManagementSecret(tenant: LocalTenant, file: string, fromEnvironment?: string): string {
  if (!fromEnvironment) return `in ${file}`;
  if (fromEnvironment === tenant.mgmtClient.clientSecret)
    return `from LOCAL_TENANT_MGMT_CLIENT_SECRET (also in ${file})`;
  return `in ${file} (not LOCAL_TENANT_MGMT_CLIENT_SECRET: the tenant's saved state keeps the secret it was created with)`;
}
