import type { TenantConfig } from "~/services/platform/tenant-config.server";
import type { LocalTenant } from "../local-tenant/server";

/** The tenant config for a running local tenant: what the portal, `npm run dev`, tests and benches register. */
export function localTenantConfig(tenant: LocalTenant): TenantConfig {
  return {
    issuer: tenant.issuer,
    managementApiUrl: tenant.managementApiUrl,
    managementAudience: `${tenant.url}/api/v2/`,
    tokenUrl: `${tenant.url}/oauth/token`,
    management: tenant.mgmtClient,
    portal: tenant.portalClient,
    testLogin: tenant.testLoginClient,
    productionClientIds: [tenant.demoAppClient.clientId],
    demoApp: tenant.demoAppClient,
    tenantName: tenant.context.store.state.tenant,
    local: true,
  };
}
