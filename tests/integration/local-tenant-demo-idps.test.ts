import { describe, expect, it } from "vitest";
import { startPortal } from "../../server/portal";
import { testDatabaseForFile } from "../support/test-database";

const database = testDatabaseForFile();

describe("npm start's local mode", () => {
  it("starts the demo SAML and OIDC IdPs beside the tenant, pointed at it, and stops them with the portal", async () => {
    const portal = await startPortal({
      port: 0,
      database: { open: database() },
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
