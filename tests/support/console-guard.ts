import { format } from "node:util";
import { afterAll, afterEach, beforeEach } from "vitest";

/**
 * Every test file runs with this guard (vitest setupFiles): a `console.error` that the test did not
 * announce with `expectConsoleError` fails it, and an announced one that never came fails it too
 * (the test would no longer prove what it says). The portal runs in the tests' own process, so
 * this also catches what Remix and the services print while a page or an action is answered.
 */
interface Expected {
  pattern: RegExp;
  seen: number;
}
interface GuardState {
  unexpected: string[];
  expected: Expected[];
}

const KEY = Symbol.for("sso-portal.console-guard");
const holder = globalThis as unknown as { [KEY]?: GuardState };
const state: GuardState = (holder[KEY] ??= { unexpected: [], expected: [] });

const original = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const text = format(...args);
  const expected = state.expected.find((e) => e.pattern.test(text));
  if (expected) {
    expected.seen += 1;
    return;
  }
  state.unexpected.push(text);
  original(...args);
};

/** This test means to cause a console.error matching `pattern` (at least once); it is not printed. */
export function expectConsoleError(pattern: RegExp): void {
  state.expected.push({ pattern, seen: 0 });
}

function check(where: string): void {
  const unexpected = state.unexpected.splice(0);
  const missing = state.expected.filter((e) => e.seen === 0).map((e) => String(e.pattern));
  state.expected = [];
  if (unexpected.length > 0) {
    throw new Error(`Unexpected console.error ${where}:\n${unexpected.map((t) => `  ${t.split("\n")[0]}`).join("\n")}`);
  }
  if (missing.length > 0)
    throw new Error(`Expected a console.error ${where} matching ${missing.join(", ")}; none came.`);
}

beforeEach(() => check("before this test (in a hook or from an earlier test's work)"));
afterEach(() => check("during this test"));
afterAll(() => check("in this file's hooks"));
