import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startPortal } from "../../server/portal";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("npm start's local mode", () => {
  it("starts the demo SAML and OIDC IdPs beside the tenant, pointed at it, and stops them with the portal", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "portal-demo-idps-"));
    dirs.push(dataDir);
    const portal = await startPortal({
      port: 0,
      database: { engine: "pglite", dataDir },
      localTenant: { port: 0, demoIdps: { samlPort: 0, oidcPort: 0 } },
    });
    const { saml, oidc } = portal.demoIdps!;
    const metadata = await (await fetch(saml.metadataUrl)).text();
    expect(metadata).toContain(`Location="${saml.url}/sso"`);
    const discovery = (await (await fetch(oidc.discoveryUrl)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(oidc.issuer);
    const lines = portal.demoIdps!.describe().join("\n");
    expect(lines).toContain(saml.metadataUrl);
    expect(lines).toContain(oidc.client.clientId);
    await portal.close();
    await expect(fetch(saml.metadataUrl)).rejects.toThrow();
    await expect(fetch(oidc.discoveryUrl)).rejects.toThrow();
  });
});
