import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * Where the Auth0 tenant is and which applications the portal uses there: from the AUTH0_*
 * environment for a real tenant, or from the local tenant the start script (or a test) started
 * and registered here. Only the Auth0 gateway and the sign-in/test-login services read secrets
 * from this; routes never do.
 */
export interface ApplicationCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TenantConfig {
  /** OIDC issuer with Auth0's trailing slash, e.g. https://acme.eu.auth0.com/ */
  issuer: string;
  /** Base of the Management API, e.g. https://acme.eu.auth0.com/api/v2 */
  managementApiUrl: string;
  /** Audience for Management API tokens: `${origin}/api/v2/` */
  managementAudience: string;
  /** Token endpoint for client credentials. */
  tokenUrl: string;
  management: ApplicationCredentials;
  portal: ApplicationCredentials;
  testLogin: ApplicationCredentials;
  /** The vendor's applications a live connection is enabled for (AUTH0_PRODUCTION_CLIENT_IDS). */
  productionClientIds: string[];
  /** Local mode: the demo vendor application (one of the production applications). */
  demoApp?: ApplicationCredentials;
  /** Name of the tenant (SAML SP entity ids are `urn:auth0:<tenant>:<connection>`). */
  tenantName: string;
  local: boolean;
}

const holder = singleton("tenant-config", () => ({ local: undefined as TenantConfig | undefined }));

export function registerLocalTenant(config: Omit<TenantConfig, "local">): void {
  holder.local = { ...config, local: true };
}

export function getTenantConfig(): TenantConfig {
  if (holder.local) return holder.local;
  const env = getEnv();
  if (env.localMode || !env.AUTH0_DOMAIN) {
    throw new Error(
      "No Auth0 tenant: set AUTH0_DOMAIN (and the other AUTH0_* variables) or start the local tenant first.",
    );
  }
  const origin = `https://${env.AUTH0_DOMAIN}`;
  return {
    issuer: `${origin}/`,
    managementApiUrl: `${origin}/api/v2`,
    managementAudience: `${origin}/api/v2/`,
    tokenUrl: `${origin}/oauth/token`,
    management: { clientId: env.AUTH0_MGMT_CLIENT_ID!, clientSecret: env.AUTH0_MGMT_CLIENT_SECRET! },
    portal: { clientId: env.AUTH0_PORTAL_CLIENT_ID!, clientSecret: env.AUTH0_PORTAL_CLIENT_SECRET! },
    testLogin: { clientId: env.AUTH0_TEST_CLIENT_ID!, clientSecret: env.AUTH0_TEST_CLIENT_SECRET! },
    productionClientIds: env.AUTH0_PRODUCTION_CLIENT_IDS,
    tenantName: env.AUTH0_DOMAIN.split(".")[0]!,
    local: false,
  };
}
