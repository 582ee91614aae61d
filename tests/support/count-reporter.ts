import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints the counts per kind of test (unit, integration, browser) and, last, the plain line
 * `N passed, N failed` that CI reads.
 */
export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byProject = new Map<string, { passed: number; failed: number; skipped: number }>();
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      const name = mod.project.name || "default";
      const entry = byProject.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") {
          entry.passed++;
          passed++;
        } else if (state === "failed") {
          entry.failed++;
          failed++;
        } else {
          entry.skipped++;
          skipped++;
        }
      }
      // A module that failed to load has no tests but must count as a failure.
      if (mod.state() === "failed" && [...mod.children.allTests()].length === 0) {
        entry.failed++;
        failed++;
      }
      byProject.set(name, entry);
    }
    const label = (n: string) => (n === "e2e" ? "browser" : n);
    const lines = [...byProject.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, c]) => `  ${label(n).padEnd(12)} ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    const summary = `\nTests by kind:\n${lines.join("\n")}\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`;
    printAtExit(summary);
  }
}

/**
 * Vitest's own summary comes after onTestRunEnd; ours is printed at exit so that the plain count
 * line closes the run. Once per process: should the hook run again (a second reporter instance,
 * a second call), the latest counts replace the earlier ones instead of adding a second block.
 */
const SLOT = Symbol.for("sso-portal.count-reporter.summary");
type Holder = { [SLOT]?: { text: string } };

export function printAtExit(summary: string): void {
  const holder = globalThis as Holder;
  const existing = holder[SLOT];
  if (existing) {
    existing.text = summary;
    return;
  }
  const slot = { text: summary };
  holder[SLOT] = slot;
  process.once("exit", () => process.stdout.write(slot.text));
}
