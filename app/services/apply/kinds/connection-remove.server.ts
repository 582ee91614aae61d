import { z } from "zod";
import { connectionRunState, ownedConnection, type ConnectionRunState } from "./connection-apply.server";
import { lockResource } from "../locks.server";
import { defineJobKind, type StepContext } from "./job-kind";

/**
 * The "remove" kind: take the organization's connection for one protocol out of its Auth0
 * organization, then delete it. Nothing there (never created, or already deleted): nothing to do.
 */
export const desiredRemoveSchema = z.object({
  protocol: z.enum(["saml", "oidc"]),
  stage: z.enum(["test", "live"]).default("live"),
});
export type DesiredRemove = z.input<typeof desiredRemoveSchema>;

type Context = StepContext<z.output<typeof desiredRemoveSchema>, ConnectionRunState>;

/** Finds the connection by its derived name when no earlier step recorded it; false when there is none. */
async function located({ gateway, scope, desired, state }: Context): Promise<boolean> {
  if (state.connectionId) return true;
  const found = await gateway.findConnectionByName(gateway.connectionName(scope, desired.protocol, desired.stage));
  if (!found) return false;
  state.connectionId = found.id;
  return true;
}

export const connectionRemove = defineJobKind({
  name: "remove",
  auditAction: "connection.remove",
  desired: desiredRemoveSchema,
  start: connectionRunState,
  locks: ({ scope, desired, gateway }) => [
    lockResource.connection(gateway.connectionName(scope, desired.protocol, desired.stage)),
  ],
  steps: [
    {
      name: "organization",
      async run(ctx) {
        if (!(await located(ctx))) return { stop: true }; // nothing to remove
        const c = await ownedConnection(ctx.gateway, ctx.scope, ctx.state, "disable");
        if (c && ctx.scope.org.auth0OrgId) await ctx.gateway.disableForOrganization(ctx.scope, c);
        return { connectionId: ctx.state.connectionId };
      },
    },
    {
      name: "delete",
      async run(ctx) {
        if (!(await located(ctx))) return { stop: true };
        const c = await ownedConnection(ctx.gateway, ctx.scope, ctx.state, "delete");
        if (c) await ctx.gateway.deleteConnection(ctx.scope, c);
        return { connectionId: ctx.state.connectionId };
      },
    },
  ],
});
