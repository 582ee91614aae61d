import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployDirectory } from "~/services/repository/deploy-directory";
import { commitFiles, commitOfJob, fileAt, runDeployCommand } from "~/services/repository/git.server";

/**
 * Repository mode's files on a scratch repository with the real git binary: what a commit holds,
 * that no secret is in the history, that the same content makes no second commit, that a rollback
 * is a commit of the earlier content, and that the deploy command gets the secrets only in its
 * environment and never prints them back.
 */
const dir = mkdtempSync(join(tmpdir(), "portal-repo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function version(n: number, secret: string) {
  return deployDirectory(
    {
      name: "sso-acme-oidc",
      strategy: "oidc",
      displayName: `Acme v${n}`,
      options: { client_id: "acme-client", client_secret: secret, discovery_url: `https://idp.acme.test/v${n}` },
      enabledClients: ["test-client"],
      metadata: { portal_org: "org-1", portal_version: String(n) },
    },
    null,
  );
}

const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" });

describe("a scratch configuration repository", () => {
  const v1 = version(1, "first-Secret-value");
  const v2 = version(2, "second-Secret-value");
  let c1 = "";
  let c2 = "";

  it("commits a version's files with a message naming organization, change and approver", async () => {
    const r = await commitFiles(
      dir,
      v1.files,
      "acme: configuration version 1\n\nApproved by lena@vendor.test\n\nPortal-Job: 11",
    );
    expect(r.changed).toBe(true);
    c1 = r.commit;
    expect(git("log", "-1", "--format=%an|%s|%b", c1)).toMatch(
      /^SSO Portal\|acme: configuration version 1\|Approved by lena@vendor.test/,
    );
    const file = JSON.parse(await fileAt(dir, c1, "connections/sso-acme-oidc.json")) as {
      options: Record<string, string>;
    };
    expect(file.options.client_secret).toBe("##SSO_ACME_OIDC_CLIENT_SECRET##");
    expect(await commitOfJob(dir, "11")).toBe(c1);
    expect(await commitOfJob(dir, "1")).toBeNull();
  });

  it("makes no commit when nothing changed (a job repeated after a crash)", async () => {
    const again = await commitFiles(dir, v1.files, "acme: configuration version 1 again");
    expect(again).toEqual({ commit: c1, changed: false });
    expect(git("rev-list", "--count", "HEAD").trim()).toBe("1");
  });

  it("commits the next version, and a rollback commits the earlier content again", async () => {
    c2 = (await commitFiles(dir, v2.files, "acme: configuration version 2")).commit;
    expect(git("diff", "--stat", c1, c2)).toContain("connections/sso-acme-oidc.json");
    const back = await commitFiles(dir, v1.files, "acme: roll back to configuration version 1");
    expect(back.changed).toBe(true);
    expect(git("diff", c1, back.commit)).toBe("");
    expect(readFileSync(join(dir, "connections/sso-acme-oidc.json"), "utf8")).toContain('"display_name": "Acme v1"');
    expect(git("rev-list", "--count", "HEAD").trim()).toBe("3");
  });

  it("has no secret anywhere in its history", () => {
    const history = git("log", "-p", "--all");
    expect(history).not.toContain("first-Secret-value");
    expect(history).not.toContain("second-Secret-value");
    expect(history).toContain("##SSO_ACME_OIDC_CLIENT_SECRET##");
  });

  it("refuses a path outside the repository", async () => {
    await expect(commitFiles(dir, { "../escape.json": "{}" }, "nope")).rejects.toThrow(/outside the repository/);
  });

  it("runs the deploy command with the secrets in its environment only, and masks them in its output", async () => {
    const mappings = JSON.stringify(v2.keywords);
    const ok = await runDeployCommand(
      'echo "importing $(ls connections)"; echo "$AUTH0_KEYWORD_REPLACE_MAPPINGS"',
      dir,
      { AUTH0_KEYWORD_REPLACE_MAPPINGS: mappings },
      Object.values(v2.keywords).map(String),
    );
    expect(ok.exitCode).toBe(0);
    expect(ok.output).toContain("importing sso-acme-oidc.json");
    expect(ok.output).toContain("********");
    expect(ok.output).not.toContain("second-Secret-value");
    const failed = await runDeployCommand("echo 'Unauthorized: bad client' >&2; exit 3", dir, {}, []);
    expect(failed).toEqual({ exitCode: 3, output: "Unauthorized: bad client\n", timedOut: false });
  });
});
