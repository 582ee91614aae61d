import { ConnectionsClient } from "auth0/connections";
import https from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updatePolicySettings } from "~/services/change-requests/policy-settings.server";
import { configurationFromReport } from "~/services/connections/configuration.server";
import { IDENTITY_PROVIDERS } from "~/services/connections/identity-providers";
import { judgeMetadataDocument } from "~/services/idp-documents/idp-validation.server";
import { selfSignedCertificate, type CertifiedKey } from "../../local-tenant/x509.js";
import type { Harness } from "../support/local-tenant-contract.js";
import {
  applyAndFollow,
  IDP_SERVER_TLS,
  monitoringRun,
  startMonitoredOrganization,
  type monitorReads,
} from "../support/monitoring-fixtures.js";
import type { TestDatabase } from "../support/test-database.js";

/**
 * The metadata monitor against an IdP's metadata URL served by a local HTTPS server (trusted
 * through the test CA, its name resolved by the test's resolver): unchanged copies are asked for
 * conditionally; a rotation (a second signing certificate published beside the first) becomes a
 * change request that the certificate-rotation policy approves and the apply engine applies; the
 * same URL turning unreachable, redirecting to an internal address or serving hostile XML is
 * reported once and nothing is applied.
 */

const XXE = readFileSync(new URL("../fixtures/idp-documents/evil-xxe-file-1.xml", import.meta.url), "utf8");

let h: Harness;
let database: TestDatabase;
let server: https.Server;
let url: string;
const certA = selfSignedCertificate("idp-a.test");
const certB = selfSignedCertificate("idp-b.test");

/** What the IdP serves now, and what it was asked. */
const idp = {
  mode: "ok" as "ok" | "down" | "redirect-internal" | "hostile",
  xml: "",
  etag: '"v1"',
  requests: [] as { ifNoneMatch: string | undefined }[],
};

function metadata(certs: CertifiedKey[]): string {
  const keys = certs
    .map(
      (c) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${c.certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join("");
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.test/entity">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test/sso"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

// idp.test is our HTTPS server on loopback (allowed in local mode); evil.test is an internal address.
const { clock, refresh, refreshSixHoursLater } = monitoringRun(() => database.db);

beforeAll(async () => {
  server = https.createServer(IDP_SERVER_TLS, (req, res) => {
    idp.requests.push({ ifNoneMatch: req.headers["if-none-match"] });
    if (idp.mode === "down") return res.writeHead(503).end("maintenance");
    if (idp.mode === "redirect-internal") return res.writeHead(302, { location: "https://evil.test/metadata" }).end();
    if (idp.mode === "hostile") return res.writeHead(200, { "content-type": "application/xml" }).end(XXE);
    if (req.headers["if-none-match"] === idp.etag) return res.writeHead(304, { etag: idp.etag }).end();
    res.writeHead(200, { "content-type": "application/samlmetadata+xml", etag: idp.etag }).end(idp.xml);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://idp.test:${(server.address() as AddressInfo).port}/metadata`;
  idp.xml = metadata([certA]);

  const started = await startMonitoredOrganization("meta-acme");
  ({ h, database, reads } = started);
  await updatePolicySettings(started.lena, {
    autoApproveCertificateRotation: true,
    autoApproveTrustedOrganizations: false,
    autoApproveRestorePrevious: false,
  });

  // Alice sets SSO up from the metadata URL; support approves; it is applied (version 1).
  const report = judgeMetadataDocument(metadata([certA]), { now: clock.now(), localMode: true });
  const configuration = configurationFromReport(report, {
    idp: "saml",
    source: { kind: "url", url },
    mapping: IDENTITY_PROVIDERS.saml.attributes,
  });
  await started.submitApproveApply({ configuration, report });
});

afterAll(async () => {
  server?.close();
  await database?.destroy();
  await h?.close();
});

const applyAll = () => applyAndFollow(h, database.db);

let reads: ReturnType<typeof monitorReads>;
const health = () => reads.health();
const changes = () => reads.changes();
const mails = () => reads.mails();
const jobCount = () => reads.jobCount();

describe("metadata URL monitoring", () => {
  it("records an unchanged document and asks for it conditionally next time (304)", async () => {
    expect((await changes()).map((c) => c.state)).toEqual(["applied"]);
    expect(await refresh()).toBe("1 metadata URL checked: 1 unchanged");
    let found = await health();
    expect(found.metadata_status).toBe("unchanged");
    expect(found.metadata_url).toBe(url);
    expect(found.metadata_etag).toBe('"v1"');
    expect(found.metadata_fingerprints).toHaveLength(1);

    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 unchanged");
    expect(idp.requests.at(-1)).toEqual({ ifNoneMatch: '"v1"' });
    found = await health();
    expect(new Date(found.metadata_checked_at!).getTime()).toBe(clock.now().getTime());
    expect(await mails()).toEqual([]);
  });

  it("turns a rotated certificate into a change request that the rotation policy approves and the engine applies", async () => {
    idp.xml = metadata([certA, certB]);
    idp.etag = '"v2"';
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 rotated");
    expect((await health()).metadata_status).toBe("rotated");
    expect((await health()).metadata_fingerprints).toHaveLength(2);

    let list = await changes();
    expect(list).toHaveLength(2);
    expect(list[1]).toMatchObject({ state: "approved", author_label: "metadata-monitor", version: 2 });
    expect(list[1]!.policy_rule).toMatch(/rotation/);

    const sent = await mails();
    expect(sent.map((m) => m.to_address).sort()).toEqual(
      ["alice@meta-acme.test", "lena@vendor.test", "sam@vendor.test"].sort(),
    );
    const toAlice = sent.find((m) => m.to_address === "alice@meta-acme.test")!;
    expect(toAlice.subject).toBe("Org meta-acme's identity provider metadata publishes a new signing certificate");
    expect(toAlice.text_body).toContain(url);
    expect(sent.find((m) => m.to_address === "lena@vendor.test")!.link).toMatch(
      new RegExp(`/support/changes/${list[1]!.id}$`),
    );

    await applyAll();
    list = await changes();
    expect(list.map((c) => c.state)).toEqual(["applied", "applied"]);
    // An approved change lands on the staged -test connection (ADR 009), to be tested before it goes live.
    const listed = await h.management().connections.list({ name: "sso-meta-acme-saml-test" });
    const raw = new ConnectionsClient(h.clientOptions(await h.token()));
    const applied = await raw.get(listed.data[0]!.id!);
    expect(applied.metadata).toMatchObject({ portal_version: "2" });
    const signingCert = Buffer.from(String(applied.options?.signingCert), "base64").toString("latin1");
    expect(
      [certA.certBase64, certB.certBase64].some((c) => signingCert.replace(/\s|-----[^-]+-----/g, "").includes(c)),
    ).toBe(true);

    // The same document again: nothing new is proposed, nobody is told twice.
    await refreshSixHoursLater();
    expect(await changes()).toHaveLength(2);
    expect(await mails()).toHaveLength(3);
  });

  it("reports an unreachable, redirected-inside or hostile URL once each and applies nothing", async () => {
    const jobsBefore = await jobCount();
    idp.mode = "down";
    expect(await refreshSixHoursLater()).toBe("1 metadata URL checked: 1 unreachable");
    let found = await health();
    expect(found.metadata_status).toBe("unreachable");
    expect(found.metadata_error).toBe("The server answered HTTP 503.");
    expect((await mails()).slice(3).map((m) => m.subject)).toContain(
      "[Support] Org meta-acme's identity provider metadata could not be fetched",
    );
    const afterDown = (await mails()).length;
    await refresh();
    expect(await mails()).toHaveLength(afterDown); // still down: not told again

    idp.mode = "redirect-internal";
    await refresh();
    found = await health();
    expect(found.metadata_status).toBe("unreachable");
    expect(found.metadata_error).toMatch(/resolves to .*the portal only fetches from public internet addresses/);

    idp.mode = "hostile";
    expect(await refresh()).toBe("1 metadata URL checked: 1 invalid");
    found = await health();
    expect(found.metadata_status).toBe("invalid");
    expect(found.metadata_error).toMatch(/DOCTYPE|entit/i);
    expect((await mails()).length).toBeGreaterThan(afterDown);

    expect(await changes()).toHaveLength(2);
    expect(await jobCount()).toBe(jobsBefore);
    idp.mode = "ok";
  });
});
