/**
 * One portal instance in a process of its own, for tests that run several on one PostgreSQL
 * database and one local tenant (tests/integration/two-instances.test.ts): started by
 * `startPortalProcess` below with `node --import tsx`, the built portal with its own database
 * pool, apply worker and scheduler, attached to the test's local tenant.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { RateLimitPreset } from "../../local-tenant/context";
import type { TenantConfig } from "~/services/platform/tenant-config.server";

export interface PortalProcessSpec {
  port: number;
  databaseUrl: string;
  tenant: TenantConfig;
  rateLimit: RateLimitPreset;
}

export interface PortalProcess {
  url: string;
  /** What the process wrote to stderr (for a failing test's message). */
  stderr(): string;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(import.meta.url);

/** Starts an instance; resolves once it answers on its port. `env`: what every instance shares (secrets, periods). */
export function startPortalProcess(spec: PortalProcessSpec, env: Record<string, string>): Promise<PortalProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: { ...process.env, ...env, PORTAL_PROCESS: JSON.stringify(spec) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const ready = /^READY (\S+)$/m.exec(out);
      if (ready)
        resolve({
          url: ready[1]!,
          stderr: () => err,
          stop: async () => {
            child.kill("SIGTERM");
            await exited;
          },
        });
    });
    child.once("exit", (code) => reject(new Error(`portal process exited (${code}) before it was ready: ${err}`)));
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.PORTAL_PROCESS!) as PortalProcessSpec;
  const { startPortal } = await import("../../server/portal");
  const portal = await startPortal({
    port: spec.port,
    database: { engine: "postgres", url: spec.databaseUrl },
    attachTenant: { config: spec.tenant, rateLimit: spec.rateLimit },
  });
  process.stdout.write(`READY ${portal.url}\n`);
  process.once("SIGTERM", () => {
    void portal.close().then(() => process.exit(0));
  });
}

if (process.env.PORTAL_PROCESS && process.argv[1] === ENTRY) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
