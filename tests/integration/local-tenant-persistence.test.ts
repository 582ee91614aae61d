import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionsClient } from "auth0/connections";
import { afterAll, describe, expect, it } from "vitest";
import { startHarness } from "../support/local-tenant-contract.js";

const dataDir = mkdtempSync(join(tmpdir(), "local-tenant-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("local tenant with a data dir", () => {
  it("keeps connections across a restart on another port, and the Management client still gets tokens", async () => {
    const first = await startHarness({ dataDir });
    const created = await new ConnectionsClient(first.clientOptions(await first.token())).create({
      name: "survivor",
      strategy: "samlp",
    });
    await first.close();

    const second = await startHarness({ dataDir });
    try {
      const again = await new ConnectionsClient(second.clientOptions(await second.token())).get(created.id!);
      expect(again.name).toBe("survivor");
    } finally {
      await second.close();
    }
  });

  it("answers 415 to a body that is not JSON", async () => {
    const h = await startHarness();
    try {
      const res = await fetch(`${h.tenant.managementApiUrl}/connections`, {
        method: "POST",
        headers: { authorization: `Bearer ${await h.token()}`, "content-type": "text/plain" },
        body: "name=x",
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({
        statusCode: 415,
        error: "Unsupported Media Type",
        message: "Unsupported Media Type",
      });
    } finally {
      await h.close();
    }
  });
});
