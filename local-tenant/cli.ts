/**
 * npm run local-tenant -- --port 4010 [--rate-limit free|enterprise|off] [--latency-ms N [--jitter-ms N]] [--data-dir DIR]
 * Starts the local Auth0 stand-in and prints what a client needs to reach it; the Management
 * client's secret is in a file only the user can read, never on the console. `--latency-ms 150`
 * makes every Management API request take 150 ms (± `--jitter-ms`), as a real tenant does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RateLimitPreset } from "./context.js";
import { startDemoIdps } from "./demo-idps/index.js";
import { describeManagementSecret, writeManagementCredentials } from "./management-credentials.js";
import { startLocalTenant } from "./server.js";

const PRESETS: RateLimitPreset[] = ["free", "enterprise", "off"];

function fail(message: string): never {
  console.error(`local-tenant: ${message}`);
  console.error(
    "usage: npm run local-tenant -- --port N [--rate-limit free|enterprise|off] [--latency-ms N] [--jitter-ms N] [--data-dir DIR] [--demo-idps]",
  );
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      "rate-limit": { type: "string", default: "off" },
      "latency-ms": { type: "string", default: "0" },
      "jitter-ms": { type: "string", default: "0" },
      "data-dir": { type: "string" },
      hostname: { type: "string" },
      "portal-url": { type: "string" },
      "demo-idps": { type: "boolean", default: false },
    },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}

const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${args.port}`);
const rateLimit = args["rate-limit"] as RateLimitPreset;
if (!PRESETS.includes(rateLimit)) fail(`--rate-limit must be one of ${PRESETS.join(", ")}, got ${args["rate-limit"]}`);
function milliseconds(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!/^\d+$/.test(text ?? "") || value > 60_000)
    fail(`--${flag} must be a whole number of milliseconds 0..60000, got ${text}`);
  return value;
}
const latencyMs = milliseconds("latency-ms", args["latency-ms"]);
const jitterMs = milliseconds("jitter-ms", args["jitter-ms"]);

const dataDir = args["data-dir"];
const mgmtClientSecret = process.env.LOCAL_TENANT_MGMT_CLIENT_SECRET || undefined;
const tenant = await startLocalTenant({
  port,
  rateLimit,
  latencyMs,
  jitterMs,
  dataDir,
  hostname: args.hostname,
  portalUrl: args["portal-url"],
  mgmtClientId: process.env.LOCAL_TENANT_MGMT_CLIENT_ID || undefined,
  mgmtClientSecret,
});

// Beside the saved state; with the state in memory, in a fresh private directory (mkdtemp: mode
// 0700) removed at Ctrl-C.
const credentialsDir = dataDir ?? mkdtempSync(join(tmpdir(), "local-tenant-"));
const credentialsFile = writeManagementCredentials(tenant, credentialsDir);

console.log(`Local tenant listening on ${tenant.url}`);
console.log(`  domain:              ${tenant.domain}`);
console.log(`  Management API:      ${tenant.managementApiUrl}`);
console.log(`  token endpoint:      ${tenant.url}/oauth/token (audience ${tenant.context.audience})`);
console.log(`  mgmt client id:      ${tenant.mgmtClient.clientId}`);
console.log(`  mgmt client secret:  ${describeManagementSecret(tenant, credentialsFile, mgmtClientSecret)}`);
// --demo-idps: the demo SAML and OIDC IdPs on the tenant's port + 10 and + 20 (4020, 4030).
const idps = args["demo-idps"]
  ? await startDemoIdps({
      tenantUrl: tenant.url,
      samlPort: port === 0 ? 0 : port + 10,
      oidcPort: port === 0 ? 0 : port + 20,
      hostname: args.hostname,
    })
  : undefined;
if (idps) console.log(idps.describe().join("\n"));
if (latencyMs > 0 || jitterMs > 0) {
  console.log(`  latency:             ${latencyMs} ms ± ${jitterMs} ms per Management API request`);
}

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  console.log(`\n${signal}: closing the local tenant`);
  await idps?.close();
  await tenant.close();
  if (!dataDir) rmSync(credentialsDir, { recursive: true, force: true });
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// The last line, once Ctrl-C is handled: whoever waits for it may stop the tenant at once.
console.log(
  `  rate limit:          ${rateLimit}${dataDir ? `\n  data dir:            ${dataDir}` : " (state in memory)"}`,
);
