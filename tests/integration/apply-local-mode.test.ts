import { afterAll, beforeAll, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import { OWNER_KEY } from "~/services/auth0/gateway.server";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { drained, systemScope } from "../support/apply-fixtures.js";
import { startTestPortal, type TestPortal } from "../support/portal.js";

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

it("in local mode the portal runs the apply worker in-process: a queued job reaches the local tenant", async () => {
  const db = portal.database.db;
  const org = await db
    .insertInto("organizations")
    .values({ slug: "local-mode", name: "Local Mode" })
    .returning(["id", "slug", "name", "auth0_org_id"])
    .executeTakeFirstOrThrow();
  await enqueueApply(db, systemScope({ id: org.id, slug: org.slug, name: org.name, auth0OrgId: null }), {
    connection: {
      protocol: "oidc",
      strategy: "oidc",
      version: 1,
      displayName: "Local Mode",
      options: { client_id: "local-mode" },
    },
    enabledClients: [PORTAL_CLIENT_ID],
  });
  await drained(db, 15_000);
  const job = await db.selectFrom("apply_jobs").select(["status"]).executeTakeFirstOrThrow();
  expect(job.status).toBe("succeeded");
  const stored = portal.tenant!.context.store.state.connections.find((c) => c.name === "sso-local-mode-oidc");
  expect(stored?.metadata).toMatchObject({ [OWNER_KEY]: org.id });
  expect(stored?.enabled_clients).toEqual([PORTAL_CLIENT_ID]);
});
