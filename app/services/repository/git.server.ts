import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { promisify } from "node:util";

/**
 * The configuration repository of repository mode, through the real `git` binary (no shell: every
 * argument is passed as is). The portal commits as "SSO Portal"; the commit message names the
 * organization, the change and who approved it, and carries a `Portal-Job:` trailer so that a
 * job repeated after a crash finds its own commit instead of making a second one.
 */

const run = promisify(execFile);

const AUTHOR = ["-c", "user.name=SSO Portal", "-c", "user.email=sso-portal@localhost"];

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-C", dir, ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  return stdout;
}

/** Makes the directory a git repository (branch main) when it is not one yet. */
export async function ensureRepository(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!existsSync(join(dir, ".git"))) await git(dir, ["init", "-q", "-b", "main"]);
}

/** The commit whose message carries `Portal-Job: <jobId>`, or null. */
export async function commitOfJob(dir: string, jobId: string): Promise<string | null> {
  if (!/^[0-9]+$/.test(jobId)) throw new Error(`not a job id: ${jobId}`);
  const out = await git(dir, ["log", "--all", "--format=%H", `--grep=^Portal-Job: ${jobId}$`]).catch(() => "");
  return out.split("\n").find(Boolean) ?? null;
}

export interface CommitResult {
  commit: string;
  /** false: the files were already so; no commit was made (the message is the last one's). */
  changed: boolean;
}

/**
 * Writes the files (paths relative to the repository, below `roots`), removes files under `roots`
 * that the set no longer has for the same owner (`ownedPaths`), and commits. Nothing changed: no
 * commit. A path that would leave the repository is refused.
 */
export async function commitFiles(
  dir: string,
  files: Record<string, string>,
  message: string,
  options: { remove?: string[] } = {},
): Promise<CommitResult> {
  await ensureRepository(dir);
  const root = resolve(dir);
  const inside = (p: string) => {
    const full = resolve(root, p);
    if (!full.startsWith(root + sep)) throw new Error(`refusing to write outside the repository: ${p}`);
    return full;
  };
  for (const [path, content] of Object.entries(files)) {
    const full = inside(path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  for (const path of options.remove ?? []) {
    if (path in files) continue;
    inside(path);
    await git(dir, ["rm", "-q", "--ignore-unmatch", "--", path]);
  }
  await git(dir, ["add", "-A", "--", ...Object.keys(files)]);
  const staged = await run("git", ["-C", dir, "diff", "--cached", "--quiet"]).then(
    () => false,
    () => true,
  );
  if (!staged) {
    const head = (await git(dir, ["rev-parse", "--verify", "-q", "HEAD"]).catch(() => "")).trim();
    return { commit: head, changed: false };
  }
  await git(dir, [...AUTHOR, "commit", "-q", "-m", message]);
  return { commit: (await git(dir, ["rev-parse", "HEAD"])).trim(), changed: true };
}

/** A file as it was at a commit (tests, and showing what a version wrote). */
export async function fileAt(dir: string, commit: string, path: string): Promise<string> {
  return git(dir, ["show", `${commit}:${path}`]);
}

export interface CommandResult {
  exitCode: number | null;
  /** The end of what the command printed (stdout and stderr), secrets masked. */
  output: string;
  timedOut: boolean;
}

/**
 * Runs the configured deploy command (e.g. `a0deploy import -c config.json -i .`) in the
 * repository through the shell (it is the operator's configuration, not anyone's input), with
 * `env` added to the portal's environment. Secret values in its output are masked.
 */
export function runDeployCommand(
  command: string,
  cwd: string,
  env: Record<string, string>,
  secrets: string[],
  timeoutMs = 10 * 60_000,
): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, env: { ...process.env, ...env }, stdio: "pipe" });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-8000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      let masked = output;
      for (const s of secrets) if (s.length >= 4) masked = masked.split(s).join("********");
      resolvePromise({ exitCode: code, output: masked.slice(-4000), timedOut });
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolvePromise({ exitCode: null, output: err.message, timedOut: false });
    });
  });
}

/** What a commit changed: paths written (added or modified) and paths deleted. */
export async function changesOf(dir: string, commit: string): Promise<{ written: string[]; deleted: string[] }> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`not a commit: ${commit}`);
  const out = await git(dir, ["show", "--no-renames", "--name-status", "--format=", commit]);
  const written: string[] = [];
  const deleted: string[] = [];
  for (const line of out.split("\n").filter(Boolean)) {
    const [status = "", path = ""] = line.split("\t");
    (status.startsWith("D") ? deleted : written).push(path);
  }
  return { written, deleted };
}
