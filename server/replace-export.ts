import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/*
 * How the portal spares Remix work it repeats per request (ADRs 019, 025): a function Remix calls
 * through a CommonJS module's exports object (`data.callRouteLoader(…)`, `router.createStaticHandler(…)`)
 * is replaced on that object, once per process. Node has one copy of each module, so the module is
 * found the way its caller requires it (`requireThrough`); a replacement is marked with what it
 * replaced and what it counted, so a second module graph in the same process (a test runner) leaves
 * it in place instead of wrapping it again, and tests can read both.
 */

/**
 * A module as a chain of packages requires it: `chain[0]` from here, each next from the one before;
 * `file`, when given, is a file next to the last package's main (its `dist/` directory).
 */
export function requireThrough<T>(chain: string[], file?: string): T {
  let req = createRequire(import.meta.url);
  for (const name of chain.slice(0, -1)) req = createRequire(req.resolve(name));
  const last = chain.at(-1)!;
  return req(file === undefined ? last : join(dirname(req.resolve(last)), file)) as T;
}

const REPLACED = Symbol.for("sso-portal.replaced-export");

interface Marked {
  [REPLACED]?: { original: unknown; stats: unknown };
}

/**
 * Puts `make(original)` in place of `module[name]`, with the stats object it counts into, unless a
 * replacement is there already (installed by this process before, from any module graph).
 */
export function replaceExport<F, S extends object>(
  module: object,
  name: string,
  make: (original: F) => { replacement: F; stats: S },
): void {
  const exports = module as Record<string, unknown>;
  const current = exports[name] as F & Marked;
  if (current[REPLACED]) return;
  const { replacement, stats } = make(current);
  exports[name] = Object.assign(replacement as object, { [REPLACED]: { original: current, stats } });
}

/** What `module[name]` replaced (the function itself while nothing replaced it). */
export function originalExport<F>(module: object, name: string): F {
  const current = (module as Record<string, unknown>)[name] as F & Marked;
  return (current[REPLACED]?.original as F | undefined) ?? current;
}

/** What the replacement of `module[name]` counted; undefined while none is installed. */
export function replacementStats<S>(module: object, name: string): S | undefined {
  const current = (module as Record<string, unknown>)[name] as Marked;
  return current[REPLACED]?.stats as S | undefined;
}
