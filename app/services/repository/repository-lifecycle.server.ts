import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineJobKind, type JobStep, type StepContext } from "../apply/kinds/job-kind";
import { OWNER_KEY } from "../auth0/gateway.server";
import type { ConnectionProtocol, ConnectionStage } from "../auth0/naming";
import { lastAppliedConnections } from "../monitoring/applied-state.server";
import {
  markRemoved,
  organizationCreateSchema,
  organizationRemoveSchema,
} from "../organizations/lifecycle-jobs.server";
import { verifiedDomainNames } from "../organizations/verified-domains.server";
import { deployFileName } from "./deploy-directory";
import { changesOf, commitFiles, commitOfJob, fileAt } from "./git.server";
import { deployFiles, repositorySettings } from "./repository-jobs.server";

/**
 * Repository mode's twins of the organization lifecycle kinds and of "domain-aliases" (ADR 012): the same desired state as the live kinds, written into the Deploy CLI's directory instead
 * of Management API calls — never a call to it. Each job makes at most one commit (found again by
 * its `Portal-Job:` trailer after a crash), then the deploy step runs APPLY_DEPLOY_COMMAND with
 * exactly what that commit wrote (SSO_PORTAL_DEPLOY_DIR) and what it deleted, by name
 * (SSO_PORTAL_DEPLOY_REMOVED). These jobs hold no secret: a connection file's `##KEYWORD##`
 * placeholders stay unresolved (the Deploy CLI strips unresolved placeholders and Auth0 keeps the
 * value it has).
 *
 * - domain-aliases: each of the organization's connection files gets the verified set.
 * - create: `organizations/<prefix>-<slug>.json` (no connections yet); linking an existing Auth0
 *   organization records its id and writes nothing (its name is not known without reading Auth0).
 * - rename: the organization file's display_name.
 * - suspend: the live connection files enabled for no application, and taken out of the
 *   organization file's connections; resume puts back what the last applied version said.
 * - remove: connection files deleted (or, "detach", disabled as by a suspension) and the
 *   organization file deleted — listed in SSO_PORTAL_DEPLOY_REMOVED only when "delete" was chosen.
 */

const PROTOCOLS: readonly ConnectionProtocol[] = ["saml", "oidc"];
const STAGES: readonly ConnectionStage[] = ["live", "test"];

type Context = StepContext<unknown, object>;

/** A change to the repository: files written (path → content) and deleted, and what to delete in Auth0. */
interface Plan {
  what: string;
  files: Record<string, string>;
  remove: string[];
  removed?: { connections: string[]; organizations: string[] };
}

type JsonFile = Record<string, unknown>;

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function connectionPath(ctx: Context, protocol: ConnectionProtocol, stage: ConnectionStage = "live"): string {
  return `connections/${deployFileName(ctx.gateway.connectionName(ctx.scope, protocol, stage))}.json`;
}

function organizationPath(ctx: Context): string {
  return `organizations/${deployFileName(ctx.gateway.organizationName(ctx.scope))}.json`;
}

async function readJson(dir: string, path: string): Promise<JsonFile | null> {
  const full = join(dir, path);
  if (!existsSync(full)) return null;
  return JSON.parse(await readFile(full, "utf8")) as JsonFile;
}

function connectionsOf(org: JsonFile): { name: string }[] {
  return Array.isArray(org.connections) ? (org.connections as { name: string }[]) : [];
}

/** The live connection files off: enabled for no application, and out of the organization's list. */
async function disablePlan(ctx: Context, dir: string, what: string): Promise<Plan> {
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (const protocol of PROTOCOLS) {
    const path = connectionPath(ctx, protocol);
    const file = await readJson(dir, path);
    if (!file) continue;
    names.push(String(file.name));
    files[path] = json({ ...file, enabled_clients: [] });
  }
  const orgPath = organizationPath(ctx);
  const org = await readJson(dir, orgPath);
  if (org) {
    files[orgPath] = json({ ...org, connections: connectionsOf(org).filter((c) => !names.includes(c.name)) });
  }
  return { what, files, remove: [] };
}

const PLANS: Record<string, (ctx: Context, dir: string) => Promise<Plan | null>> = {
  async "repository-domain-aliases"(ctx, dir) {
    const domains = await verifiedDomainNames(ctx.db, ctx.scope.org.id);
    const files: Record<string, string> = {};
    for (const protocol of PROTOCOLS) {
      for (const stage of STAGES) {
        const path = connectionPath(ctx, protocol, stage);
        const file = await readJson(dir, path);
        if (!file) continue; // not written yet: its apply writes the verified set itself
        const { domain_aliases: _old, ...options } = (file.options ?? {}) as JsonFile;
        files[path] = json({
          ...file,
          options: domains.length > 0 ? { ...options, domain_aliases: domains } : options,
        });
      }
    }
    return {
      what: `domain_aliases set to ${domains.length > 0 ? domains.join(", ") : "none"} (verified domains)`,
      files,
      remove: [],
    };
  },
  async "repository-organization-create"(ctx, dir) {
    const desired = organizationCreateSchema.parse(ctx.desired);
    if (desired.auth0.mode === "link") return null; // recorded by the record step; no file
    const path = organizationPath(ctx);
    const existing = await readJson(dir, path);
    return {
      what: "create its Auth0 organization",
      files: {
        [path]: json({
          name: ctx.gateway.organizationName(ctx.scope),
          display_name: ctx.scope.org.name,
          metadata: { [OWNER_KEY]: ctx.scope.org.id },
          connections: existing ? connectionsOf(existing) : [],
        }),
      },
      remove: [],
    };
  },
  async "repository-organization-rename"(ctx, dir) {
    const { name } = z.object({ name: z.string() }).parse(ctx.desired);
    const path = organizationPath(ctx);
    const org = await readJson(dir, path);
    if (!org) return null;
    return {
      what: `rename its Auth0 organization to ${name}`,
      files: { [path]: json({ ...org, display_name: name }) },
      remove: [],
    };
  },
  "repository-organization-suspend": (ctx, dir) => disablePlan(ctx, dir, "suspend: its connections disabled"),
  async "repository-organization-resume"(ctx, dir) {
    const applied = await lastAppliedConnections(ctx.db, { orgIds: [ctx.scope.org.id], stage: "live" });
    const files: Record<string, string> = {};
    const orgPath = organizationPath(ctx);
    const org = await readJson(dir, orgPath);
    let orgConnections = org ? connectionsOf(org) : [];
    for (const a of applied) {
      if (a.disabled) continue; // support disabled it: it stays off
      const path = connectionPath(ctx, a.protocol);
      const file = await readJson(dir, path);
      if (!file) continue;
      files[path] = json({ ...file, enabled_clients: [...a.desired.enabledClients].sort() });
      if (org && a.desired.organization) {
        const name = String(file.name);
        orgConnections = [
          ...orgConnections.filter((c) => c.name !== name),
          {
            name,
            assign_membership_on_login: a.desired.organization.assignMembershipOnLogin,
            show_as_button: a.desired.organization.showAsButton,
          } as { name: string },
        ];
      }
    }
    if (org) files[orgPath] = json({ ...org, connections: orgConnections });
    return { what: "resume: its connections enabled as last applied", files, remove: [] };
  },
  async "repository-organization-remove"(ctx, dir) {
    const desired = organizationRemoveSchema.parse(ctx.desired);
    const plan: Plan =
      desired.connections === "detach"
        ? await disablePlan(ctx, dir, "")
        : { what: "", files: {}, remove: [], removed: { connections: [], organizations: [] } };
    plan.removed ??= { connections: [], organizations: [] };
    if (desired.connections === "delete") {
      for (const protocol of PROTOCOLS) {
        for (const stage of STAGES) {
          const path = connectionPath(ctx, protocol, stage);
          if (!existsSync(join(dir, path))) continue;
          plan.remove.push(path);
          plan.removed.connections.push(ctx.gateway.connectionName(ctx.scope, protocol, stage));
        }
      }
    }
    const orgPath = organizationPath(ctx);
    if (existsSync(join(dir, orgPath))) {
      delete plan.files[orgPath];
      plan.remove.push(orgPath);
      if (desired.auth0Organization === "delete") {
        plan.removed.organizations.push(ctx.gateway.organizationName(ctx.scope));
      }
    }
    plan.what = `remove: connections ${desired.connections === "delete" ? "deleted" : "detached"}, Auth0 organization ${desired.auth0Organization === "delete" ? "deleted" : "detached"}`;
    return plan;
  },
};

function commitMessage(ctx: Context, what: string): string {
  const { job, scope } = ctx;
  return `${scope.org.name} (${scope.org.slug}): ${what}\n\nRequested by ${job.requested_by}.\n\nPortal-Job: ${job.id}`;
}

function fileName(path: string): string {
  return path.replace(/^.*\//, "").replace(/\.json$/, "");
}

const commitStep: JobStep<unknown, object> = {
  name: "commit",
  async run(ctx) {
    const { dir } = repositorySettings();
    if (await commitOfJob(dir, ctx.job.id)) return; // done before a crash
    const plan = await PLANS[ctx.job.kind]!(ctx, dir);
    if (!plan || (Object.keys(plan.files).length === 0 && plan.remove.length === 0)) return;
    await commitFiles(dir, plan.files, commitMessage(ctx, plan.what), { remove: plan.remove });
  },
};

/** Deploys what the job's commit changed (nothing when the job made no commit: the files were already so). */
const deployStep: JobStep<unknown, object> = {
  name: "deploy",
  async run(ctx) {
    const { dir, deployCommand } = repositorySettings();
    const commit = await commitOfJob(dir, ctx.job.id);
    if (!deployCommand || !commit) return;
    const { written, deleted } = await changesOf(dir, commit);
    const files: Record<string, string> = {};
    for (const path of written) files[path] = await fileAt(dir, commit, path);
    // What the job chose to delete in Auth0 is in its commit's deletions; a detached file is only dropped.
    const desired =
      ctx.job.kind === "repository-organization-remove" ? organizationRemoveSchema.parse(ctx.desired) : null;
    const removed = {
      connections:
        desired?.connections === "delete" ? deleted.filter((p) => p.startsWith("connections/")).map(fileName) : [],
      organizations:
        desired?.auth0Organization === "delete"
          ? deleted.filter((p) => p.startsWith("organizations/")).map(fileName)
          : [],
    };
    await deployFiles(deployCommand, dir, { files, keywords: {}, commit, removed });
  },
};

function twin(name: string, auditAction: string, extra: JobStep<unknown, object>[] = []) {
  return defineJobKind<unknown, object>({
    name,
    auditAction,
    desired: z.unknown(),
    start: () => ({}),
    // No resource locks: the tenant-wide lock, so commits to the one repository never overlap (ADR 013).
    steps: [commitStep, deployStep, ...extra],
  });
}

export const repositoryDomainAliases = twin("repository-domain-aliases", "connection.domain_aliases");

export const repositoryOrganizationCreate = twin("repository-organization-create", "organization.auth0_created", [
  {
    name: "record",
    async run({ scope, desired }) {
      const parsed = organizationCreateSchema.parse(desired);
      if (parsed.auth0.mode !== "link") return;
      const id = parsed.auth0.id;
      return {
        record: async (db) => {
          await db.updateTable("organizations").set({ auth0_org_id: id }).where("id", "=", scope.org.id).execute();
        },
      };
    },
  },
]);
export const repositoryOrganizationRename = twin("repository-organization-rename", "organization.auth0_renamed");
export const repositoryOrganizationSuspend = twin("repository-organization-suspend", "organization.auth0_suspended");
export const repositoryOrganizationResume = twin("repository-organization-resume", "organization.auth0_resumed");
export const repositoryOrganizationRemove = twin("repository-organization-remove", "organization.auth0_removed", [
  markRemoved(),
]);
