import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { z } from "zod";
import { defineJobKind, type JobStep, type StepContext } from "../apply/kinds/job-kind";
import { desiredApplySchema, openSecretOptions, SECRET_OPTION_PATHS } from "../apply/kinds/connection-apply.server";
import { UnavailableError } from "../auth0/errors";
import { OWNER_KEY, STAGE_KEY, VERSION_KEY } from "../auth0/gateway.server";
import { verifiedDomainNames } from "../organizations/verified-domains.server";
import { getEnv } from "../platform/env.server";
import { existsSync } from "node:fs";
import { deployDirectory, deployFileName, type DeployDirectory } from "./deploy-directory";
import { commitFiles, commitOfJob, runDeployCommand } from "./git.server";

/**
 * Repository mode (APPLY_MODE=repository, ADR 012): the same approved desired state as the live
 * kinds ("apply", "go-live", "roll-back"), written as a commit in the Auth0 Deploy CLI's directory
 * format instead of Management API calls, then the configured deploy command run. Two steps, so
 * the pages show progress, failure and Retry as for any apply:
 *
 * - commit: the connection's (and, when it is enabled for the Auth0 organization, the
 *   organization's) file, secrets as placeholders, committed with a message naming the
 *   organization, the change and who approved it. A `Portal-Job:` trailer makes a repeat after a
 *   crash find its commit instead of making a second one. A roll back commits the earlier version.
 * - deploy: APPLY_DEPLOY_COMMAND in the repository, with this version's files alone in
 *   SSO_PORTAL_DEPLOY_DIR and its secrets in AUTH0_KEYWORD_REPLACE_MAPPINGS (never in a file, masked
 *   in what it prints). A non-zero exit is retried with backoff, then the job is dead (Retry).
 */

type Desired = z.output<typeof desiredApplySchema>;
type Context = StepContext<Desired, object>;

export interface RepositorySettings {
  dir: string;
  deployCommand: string | null;
}

export function repositorySettings(): RepositorySettings {
  const env = getEnv();
  return {
    dir: resolve(env.APPLY_REPOSITORY_DIR ?? join(env.DATA_DIR, "config-repository")),
    deployCommand: env.APPLY_DEPLOY_COMMAND ?? null,
  };
}

/** The connection's name as the gateway derives it (`<prefix>-<slug>-<protocol>[-test]`). */
async function directoryOf(ctx: Context): Promise<DeployDirectory> {
  const { desired, scope, gateway } = ctx;
  const c = desired.connection;
  const name = gateway.connectionName(scope, c.protocol, c.stage);
  let options = openSecretOptions(c.options, ctx.secretsKey());
  if (desired.aliasVerifiedDomains) {
    const domains = await verifiedDomainNames(ctx.db, scope.org.id);
    const { domain_aliases: _given, ...rest } = options;
    options = domains.length > 0 ? { ...rest, domain_aliases: domains } : rest;
  }
  // An Auth0 organization linked by id, or one this portal created in the files (known there by name).
  const withOrganization =
    desired.organization !== null &&
    (scope.org.auth0OrgId !== null ||
      existsSync(
        join(repositorySettings().dir, `organizations/${deployFileName(gateway.organizationName(scope))}.json`),
      ));
  return deployDirectory(
    {
      name,
      strategy: c.strategy,
      displayName: c.displayName,
      options,
      ...(c.showAsButton !== undefined ? { showAsButton: c.showAsButton } : {}),
      enabledClients: desired.enabledClients,
      metadata: { [OWNER_KEY]: scope.org.id, [VERSION_KEY]: String(c.version), [STAGE_KEY]: c.stage },
    },
    withOrganization && desired.organization
      ? {
          name: gateway.organizationName(scope),
          displayName: scope.org.name,
          metadata: { [OWNER_KEY]: scope.org.id },
          connections: [{ name, ...desired.organization }],
        }
      : null,
  );
}

const WHAT: Record<string, string> = {
  "repository-apply": "apply",
  "repository-go-live": "go live with",
  "repository-roll-back": "roll back to",
};

/** "Acme (acme): apply version 3 of the saml connection", the change and its approver, the trailer. */
async function commitMessage(ctx: Context): Promise<string> {
  const { job, scope, desired } = ctx;
  const change = await ctx.db
    .selectFrom("change_requests")
    .select(["id", "reviewer_label", "author_label"])
    .where("apply_job_id", "=", job.id)
    .executeTakeFirst();
  const c = desired.connection;
  const subject = `${scope.org.name} (${scope.org.slug}): ${WHAT[job.kind] ?? job.kind} version ${c.version} of the ${c.protocol} connection${c.stage === "test" ? " (staged)" : ""}`;
  const body = change
    ? `Change #${change.id} by ${change.author_label}, approved by ${change.reviewer_label ?? "a policy"}.`
    : `Requested by ${job.requested_by}.`;
  return `${subject}\n\n${body}\n\nPortal-Job: ${job.id}`;
}

/** What a deploy is given: the files to import, their secrets' mappings, the commit, and what was deleted. */
export interface DeployInput {
  files: Record<string, string>;
  keywords: Record<string, unknown>;
  commit: string;
  /** Deleted from the repository and to be deleted in Auth0, by name (SSO_PORTAL_DEPLOY_REMOVED). */
  removed?: { connections: string[]; organizations: string[] };
}

/**
 * Runs APPLY_DEPLOY_COMMAND with these files alone in SSO_PORTAL_DEPLOY_DIR (the command imports
 * them without needing other organizations' secrets), the mappings in AUTH0_KEYWORD_REPLACE_MAPPINGS,
 * and what to delete in SSO_PORTAL_DEPLOY_REMOVED; a non-zero exit or a timeout throws (retried).
 */
export async function deployFiles(deployCommand: string, dir: string, input: DeployInput): Promise<void> {
  const only = await mkdtemp(join(tmpdir(), "sso-portal-deploy-"));
  try {
    for (const [path, content] of Object.entries(input.files)) {
      await mkdir(dirname(join(only, path)), { recursive: true });
      await writeFile(join(only, path), content);
    }
    const result = await runDeployCommand(
      deployCommand,
      dir,
      {
        AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify(input.keywords),
        SSO_PORTAL_DEPLOY_DIR: only,
        SSO_PORTAL_COMMIT: input.commit,
        SSO_PORTAL_DEPLOY_REMOVED: JSON.stringify(input.removed ?? { connections: [], organizations: [] }),
      },
      Object.values(input.keywords).flatMap((v) => (typeof v === "string" ? [v] : [JSON.stringify(v)])),
    );
    if (result.exitCode !== 0) {
      const how = result.timedOut ? "timed out" : `exited with ${result.exitCode ?? "a signal"}`;
      throw new UnavailableError(`The deploy command ${how}: ${result.output.trim().slice(-500) || "(no output)"}`);
    }
  } finally {
    await rm(only, { recursive: true, force: true });
  }
}

const steps = [
  {
    name: "commit",
    async run(ctx) {
      const { dir } = repositorySettings();
      if (await commitOfJob(dir, ctx.job.id)) return; // done before a crash
      const directory = await directoryOf(ctx);
      await commitFiles(dir, directory.files, await commitMessage(ctx));
    },
  },
  {
    name: "deploy",
    async run(ctx) {
      const { dir, deployCommand } = repositorySettings();
      if (!deployCommand) return;
      const directory = await directoryOf(ctx);
      await deployFiles(deployCommand, dir, {
        files: directory.files,
        keywords: directory.keywords,
        commit: (await commitOfJob(dir, ctx.job.id)) ?? "",
      });
    },
  },
] satisfies JobStep<Desired, object>[];

const shared = {
  desired: desiredApplySchema,
  secretPaths: SECRET_OPTION_PATHS.map((k) => ["connection", "options", k]),
  start: () => ({}),
  steps,
};

export const repositoryApply = defineJobKind({ name: "repository-apply", auditAction: "connection.apply", ...shared });
export const repositoryGoLive = defineJobKind({
  name: "repository-go-live",
  auditAction: "connection.go_live",
  ...shared,
});
export const repositoryRollBack = defineJobKind({
  name: "repository-roll-back",
  auditAction: "connection.roll_back",
  ...shared,
});
