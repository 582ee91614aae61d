/**
 * `npm run validate` has two jobs, told apart by whether a document is named:
 *   npm run validate -- <file-or-url> [--kind …] [--json] …   judge an IdP document (issue 4)
 *   npm run validate                                          lint + typecheck + every test
 */
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
if (args.length > 0) {
  const { runValidateCommand } = await import("./validate-document.js");
  process.exitCode = await runValidateCommand(args, { stdout: process.stdout, stderr: process.stderr });
} else {
  for (const step of ["lint", "typecheck", "test"]) {
    const result = spawnSync("npm", ["run", "--silent", step], { stdio: "inherit" });
    if (result.status !== 0) {
      process.exitCode = result.status ?? 1;
      break;
    }
  }
}
