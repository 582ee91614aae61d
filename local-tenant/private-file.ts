import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Writes `text` to `path` readable by its owner only (mode 0600), replacing the file whole: written
 * to a fresh temporary file and renamed over the old one. A file's mode is set only when it is
 * created, so the temporary file is always a new one (a leftover of a crashed run is removed
 * first): a secret never sits in a file that others may read.
 */
export function writePrivateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
  renameSync(tmp, path);
}
