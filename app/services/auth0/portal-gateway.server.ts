import type { Kysely, Transaction } from "kysely";
import type { Database } from "../platform/db/schema";
import { getEnv } from "../platform/env.server";
import { getTenantConfig } from "../platform/tenant-config.server";
import { Auth0Gateway } from "./gateway.server";

/**
 * The gateway for work done while a person waits (a go-live's read of the tested connection, a
 * support lead's emergency disable): the configured tenant and prefix, refusals audited into `db`.
 * Writes that read-merge-write a whole object go through the apply worker instead.
 */
export function portalGateway(db: Kysely<Database> | Transaction<Database>): Auth0Gateway {
  return new Auth0Gateway({
    tenant: getTenantConfig(),
    prefix: getEnv().AUTH0_CONNECTION_PREFIX,
    db,
    rateLimitRetries: 2,
  });
}
