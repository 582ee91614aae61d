import { parseArgs } from "node:util";

/**
 * A benchmark's command line: numeric options (`--orgs 10000`), each with its default, and switches
 * (`--no-write`), off unless given. Unknown options are refused, as parseArgs does.
 */
export function benchOptions<N extends string, S extends string = never>(
  numbers: Record<N, number>,
  switches: readonly S[] = [],
): Record<N, number> & Record<S, boolean> {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(
        Object.entries(numbers).map(([name, fallback]) => [name, { type: "string", default: String(fallback) }]),
      ),
      ...Object.fromEntries(switches.map((name) => [name, { type: "boolean", default: false }])),
    },
  });
  return Object.fromEntries([
    ...Object.keys(numbers).map((name) => [name, Number(values[name])]),
    ...switches.map((name) => [name, values[name] === true]),
  ]) as Record<N, number> & Record<S, boolean>;
}
