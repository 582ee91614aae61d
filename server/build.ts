import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");
export const SERVER_BUILD = join(ROOT, "build/server/index.js");
export const CLIENT_DIR = join(ROOT, "build/client");

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when the server build is missing or older than any source it is built from. */
export function buildIsStale(): boolean {
  if (!existsSync(SERVER_BUILD)) return true;
  const built = statSync(SERVER_BUILD).mtimeMs;
  const sources = ["app", "public", "vite.config.ts", "package.json", "tsconfig.json"].map((p) =>
    newestMtime(join(ROOT, p)),
  );
  return Math.max(...sources) > built;
}

/** Builds the portal (Vite + Remix) when needed; returns whether it built. */
export function ensureBuilt(log: (line: string) => void = () => {}): boolean {
  if (!buildIsStale()) return false;
  log("Building the portal…");
  const result = spawnSync(process.execPath, [join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`The portal build failed:\n${result.stdout}\n${result.stderr}`);
  }
  return true;
}
