import { z } from "zod";
import { defineJobKind } from "../apply/kinds/job-kind";
import type { ConnectionProtocol, ConnectionStage } from "../auth0/naming";
import { verifiedDomainNames } from "./verified-domains.server";

/**
 * "domain-aliases": a domain was verified or removed after the organization's connections were
 * written, so each of them (live and staged, per protocol) gets the verified set as its
 * `domain_aliases`. The set is read when the step runs, not when the job was queued: two changes
 * in a row queue two jobs that both write the latest set, and a repeat after a crash writes the
 * same. A connection not there yet is skipped (its apply writes the set itself).
 */
const PROTOCOLS: readonly ConnectionProtocol[] = ["saml", "oidc"];
const STAGES: readonly ConnectionStage[] = ["live", "test"];

export const domainAliasesUpdate = defineJobKind({
  name: "domain-aliases",
  auditAction: "connection.domain_aliases",
  desired: z.object({}).passthrough(),
  start: () => ({}),
  steps: [
    {
      name: "connections",
      async run({ gateway, scope, db }) {
        const domains = await verifiedDomainNames(db, scope.org.id);
        for (const protocol of PROTOCOLS) {
          for (const stage of STAGES) {
            const found = await gateway.findConnectionByName(gateway.connectionName(scope, protocol, stage));
            if (!found) continue;
            const owned = await gateway.readOwnedConnection(scope, found.id, "domain-aliases");
            await gateway.setDomainAliases(scope, owned, domains);
          }
        }
      },
    },
  ],
});
