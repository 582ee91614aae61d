import {
  connectionApplySteps,
  connectionLocks,
  connectionRunState,
  desiredApplySchema,
  SECRET_OPTION_PATHS,
} from "./connection-apply.server";
import { defineJobKind } from "./job-kind";

/**
 * "go-live" and "roll-back": the organization's *live* connection written with a configuration
 * that passed a test (go-live) or was live before (roll-back, an older version on purpose), then
 * enabled for the production applications and the Auth0 organization. The same steps as "apply";
 * their own kinds so the queue, the pages and the audit log say what happened.
 * Queued by app/services/go-live/go-live.server.ts.
 */
const shared = {
  desired: desiredApplySchema,
  secretPaths: SECRET_OPTION_PATHS.map((k) => ["connection", "options", k]),
  start: connectionRunState,
  locks: connectionLocks,
  steps: connectionApplySteps,
};

export const connectionGoLive = defineJobKind({ name: "go-live", auditAction: "connection.go_live", ...shared });
export const connectionRollBack = defineJobKind({ name: "roll-back", auditAction: "connection.roll_back", ...shared });
