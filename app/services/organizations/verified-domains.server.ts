import type { Kysely, Transaction } from "kysely";
import type { Database } from "../platform/db/schema";

/**
 * The organization's verified domains, sorted: what its connections' `domain_aliases` hold (home-
 * realm discovery) and what a test-login e-mail must end with. A plain query on the executor given,
 * so the apply engine's steps read it inside their own transaction, when they write it.
 */
export async function verifiedDomainNames(
  db: Kysely<Database> | Transaction<Database>,
  organizationId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom("organization_domains")
    .select("domain")
    .where("organization_id", "=", organizationId)
    .where("verified_at", "is not", null)
    .orderBy("domain")
    .execute();
  return rows.map((r) => r.domain);
}
