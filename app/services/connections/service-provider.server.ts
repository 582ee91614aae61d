import type { OrganizationScope } from "../identity/scope.server";
import { getEnv } from "../platform/env.server";
import { getTenantConfig } from "../platform/tenant-config.server";
import { serviceProviderValues, type ServiceProviderValues } from "./service-provider";

/** The service provider's values for the scope's own organization, on the configured tenant. */
export function serviceProviderValuesFor(scope: OrganizationScope): ServiceProviderValues {
  const tenant = getTenantConfig();
  return serviceProviderValues(
    { origin: tenant.issuer, tenantName: tenant.tenantName, prefix: getEnv().AUTH0_CONNECTION_PREFIX },
    scope.org.slug,
  );
}
