import { sql } from "kysely";
import { z } from "zod";
import {
  defineJobKind,
  type JobKind,
  type JobKindDefinition,
  type JobStep,
  type LockContext,
  type StepContext,
} from "../apply/kinds/job-kind";
import type { OwnedConnection } from "../auth0/gateway.server";
import { lockResource } from "../apply/locks.server";
import type { ConnectionProtocol } from "../auth0/naming";
import { lastAppliedConnections } from "../monitoring/applied-state.server";

/**
 * An organization's lifecycle in Auth0, as apply job kinds: the engine takes each step in its own
 * transaction under the tenant lock, retries what can be retried and, after a crash, repeats the
 * step that was not recorded — so every step here is safe to repeat, and a half-done removal or
 * creation is finished by the next attempt rather than left as an orphan.
 */

const PROTOCOLS: readonly ConnectionProtocol[] = ["saml", "oidc"];

/** The Auth0 organization (its metadata is read and written back by link, rename and detach). */
function organizationLock<D>({ scope, gateway }: LockContext<D>): string[] {
  return [lockResource.organization(gateway.organizationName(scope))];
}

/** The organization's live connections (suspend and remove read their clients and change them). */
function connectionsLocks<D>(ctx: LockContext<D>): string[] {
  return PROTOCOLS.map((p) => lockResource.connection(ctx.gateway.connectionName(ctx.scope, p)));
}

/** A job kind of the organization's lifecycle: its steps keep no memo between them. */
function lifecycleJobKind<Desired>(definition: Omit<JobKindDefinition<Desired, object>, "start">): JobKind {
  return defineJobKind({ ...definition, start: () => ({}) });
}

/** A job of one step on the organization's Auth0 organization, under that organization's lock. */
function auth0OrganizationJob<Desired>(
  name: string,
  auditAction: string,
  desired: JobKindDefinition<Desired, object>["desired"],
  run: JobStep<Desired, object>["run"],
): JobKind {
  return lifecycleJobKind({
    name,
    auditAction,
    desired,
    locks: organizationLock,
    steps: [{ name: "auth0-organization", run }],
  });
}

/** Create: make the organization's Auth0 organization, or link an existing one; record its id. */
export const organizationCreateSchema = z.object({
  auth0: z.discriminatedUnion("mode", [
    z.object({ mode: z.literal("create") }),
    z.object({ mode: z.literal("link"), id: z.string().regex(/^org_[A-Za-z0-9]{1,50}$/) }),
  ]),
});
export type OrganizationCreateJob = z.infer<typeof organizationCreateSchema>;

export const organizationCreate = auth0OrganizationJob(
  "organization-create",
  "organization.auth0_created",
  organizationCreateSchema,
  async ({ gateway, scope, desired }) => {
    const org =
      desired.auth0.mode === "create"
        ? await gateway.ensureOrganization(scope, scope.org.name)
        : await gateway.linkOrganization(scope, desired.auth0.id);
    // Recorded with the step: a crash before the commit finds the same organization by name again.
    return {
      record: async (db) => {
        await db.updateTable("organizations").set({ auth0_org_id: org.id }).where("id", "=", scope.org.id).execute();
      },
    };
  },
);

/** Rename: the Auth0 organization's display name follows the portal's name. */
export const organizationRenameSchema = z.object({ name: z.string().min(1).max(100) });

export const organizationRename = auth0OrganizationJob(
  "organization-rename",
  "organization.auth0_renamed",
  organizationRenameSchema,
  async ({ gateway, scope, desired }) => {
    if (scope.org.auth0OrgId) await gateway.renameOrganization(scope, scope.org.auth0OrgId, desired.name);
  },
);

type AnyContext = StepContext<unknown, object>;

/**
 * Every connection of the organization (one per protocol), off: not enabled for any application
 * or for its Auth0 organization. Kept in the tenant with its configuration.
 */
async function disableConnections(ctx: AnyContext): Promise<void> {
  for await (const owned of ownedConnections(ctx, "suspend")) {
    const clients = await ctx.gateway.enabledClients(ctx.scope, owned);
    await ctx.gateway.disableConnection(ctx.scope, owned, clients);
  }
}

/** The organization's connections that exist (one per protocol), each read and checked as its own for `operation`. */
async function* ownedConnections(ctx: AnyContext, operation: string): AsyncGenerator<OwnedConnection> {
  for (const protocol of PROTOCOLS) {
    const found = await ctx.gateway.findConnectionByName(ctx.gateway.connectionName(ctx.scope, protocol));
    if (found) yield await ctx.gateway.readOwnedConnection(ctx.scope, found.id, operation);
  }
}

export const organizationSuspend = lifecycleJobKind({
  name: "organization-suspend",
  auditAction: "organization.auth0_suspended",
  desired: z.object({}).passthrough(),
  locks: connectionsLocks,
  steps: [{ name: "connections", run: (ctx) => disableConnections(ctx as AnyContext) }],
});

/**
 * Resume (un-suspend): each live connection enabled again as its last applied version said — for
 * its applications and its Auth0 organization — unless support had disabled it (that stays off
 * until support enables it). Staged `-test` connections were never touched by a suspension.
 */
export const organizationResume = lifecycleJobKind({
  name: "organization-resume",
  auditAction: "organization.auth0_resumed",
  desired: z.object({}).passthrough(),
  steps: [
    {
      name: "connections",
      async run({ gateway, scope, db }) {
        const applied = await lastAppliedConnections(db, { orgIds: [scope.org.id], stage: "live" });
        for (const a of applied) {
          if (a.disabled) continue;
          const owned = await gateway.findOwnedConnection(scope, a.protocol, "resume", "live");
          if (!owned) continue;
          if (a.desired.enabledClients.length > 0)
            await gateway.setClients(scope, owned, a.desired.enabledClients, true);
          if (a.desired.organization && scope.org.auth0OrgId) {
            await gateway.enableForOrganization(scope, owned, a.desired.organization);
          }
        }
      },
    },
  ],
});

/** The last step of a removal (either apply mode): the portal's row becomes history. */
export function markRemoved<D>(): JobStep<D, object> {
  return {
    name: "removed",
    async run({ scope }) {
      return {
        record: async (db) => {
          await db
            .updateTable("organizations")
            .set({ status: "removed", status_changed_at: sql`now()` })
            .where("id", "=", scope.org.id)
            .where("status", "=", "removing")
            .execute();
        },
      };
    },
  };
}

/** Remove: connections and the Auth0 organization deleted or detached, as the support lead chose. */
export const organizationRemoveSchema = z.object({
  connections: z.enum(["delete", "detach"]),
  auth0Organization: z.enum(["delete", "detach"]),
});
export type OrganizationRemoveJob = z.infer<typeof organizationRemoveSchema>;

export const organizationRemove = lifecycleJobKind({
  name: "organization-remove",
  auditAction: "organization.auth0_removed",
  desired: organizationRemoveSchema,
  locks: (ctx) => [...connectionsLocks(ctx), ...organizationLock(ctx)],
  steps: [
    {
      name: "connections",
      async run(ctx) {
        if (ctx.desired.connections === "detach") return disableConnections(ctx as AnyContext);
        for await (const owned of ownedConnections(ctx as AnyContext, "delete")) {
          await ctx.gateway.deleteConnection(ctx.scope, owned);
        }
      },
    },
    {
      name: "auth0-organization",
      async run({ gateway, scope, desired }) {
        const id = scope.org.auth0OrgId;
        if (!id) return;
        if (desired.auth0Organization === "delete") await gateway.deleteOrganization(scope, id);
        else await gateway.detachOrganization(scope, id);
      },
    },
    markRemoved<OrganizationRemoveJob>(),
  ],
});
