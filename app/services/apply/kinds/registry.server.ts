import { connectionApply } from "./connection-apply.server";
import { connectionGoLive, connectionRollBack } from "./connection-go-live.server";
import { connectionRemove } from "./connection-remove.server";
import type { JobKind } from "./job-kind";
import {
  organizationCreate,
  organizationRemove,
  organizationRename,
  organizationResume,
  organizationSuspend,
} from "../../organizations/lifecycle-jobs.server";
import { domainAliasesUpdate } from "../../organizations/domain-aliases-job.server";
import { repositoryApply, repositoryGoLive, repositoryRollBack } from "../../repository/repository-jobs.server";
import {
  repositoryDomainAliases,
  repositoryOrganizationCreate,
  repositoryOrganizationRemove,
  repositoryOrganizationRename,
  repositoryOrganizationResume,
  repositoryOrganizationSuspend,
} from "../../repository/repository-lifecycle.server";

/**
 * Every kind of apply job the workers know. A new kind (organization lifecycle, go-live, …) is a
 * `defineJobKind` module in this folder and one entry here; the queue, locks, moves, retries and
 * loop need no change.
 */
const KINDS: readonly JobKind[] = [
  connectionApply,
  connectionRemove,
  connectionGoLive,
  connectionRollBack,
  organizationCreate,
  organizationRename,
  organizationSuspend,
  organizationResume,
  organizationRemove,
  domainAliasesUpdate,
  repositoryApply,
  repositoryGoLive,
  repositoryRollBack,
  repositoryDomainAliases,
  repositoryOrganizationCreate,
  repositoryOrganizationRename,
  repositoryOrganizationSuspend,
  repositoryOrganizationResume,
  repositoryOrganizationRemove,
];

/**
 * The kinds that write one of an organization's connections, in either apply mode: "apply" (a new
 * version), "go-live", "roll-back", and their repository-mode twins (ADR 012).
 */
export const APPLY_KINDS = ["apply", "repository-apply"] as const;
export const CONNECTION_KINDS = [
  ...APPLY_KINDS,
  "go-live",
  "roll-back",
  "repository-go-live",
  "repository-roll-back",
] as const;

const byName = new Map(KINDS.map((k) => [k.name, k]));

export function jobKind(name: string): JobKind {
  const kind = byName.get(name);
  if (!kind) throw new Error(`unknown apply job kind "${name}"`);
  return kind;
}

export function isJobKind(name: string): boolean {
  return byName.has(name);
}
