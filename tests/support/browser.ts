import { existsSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { chromium, type Browser, type Page } from "playwright-core";

/**
 * One way to get a Chromium for browser tests: Debian's /usr/bin/chromium when present (this
 * machine and CI), otherwise Playwright's own downloaded browser (a developer's machine), and a
 * message naming both when neither is there.
 */
const SYSTEM_CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const path of SYSTEM_CHROMIUM) if (existsSync(path)) return path;
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // playwright-core throws when its own browser was never downloaded
  }
  return undefined;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error(
      "No Chromium for the browser tests. Install Debian's package (`apt-get install -y chromium`, " +
        "found at /usr/bin/chromium) or Playwright's own browser (`npx playwright install chromium`), " +
        "or set CHROMIUM_PATH.",
    );
  }
  return chromium.launch({ executablePath, args: FLAGS, headless: true });
}

/** The page's WCAG 2.1 A/AA violations as readable lines (rule, help, the offending elements); [] when clean. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}
