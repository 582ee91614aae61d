import { ensureBuilt } from "../../server/build";

/** Vitest global setup: build the portal once before any test starts one. */
export default function setup(): void {
  const built = ensureBuilt((line) => console.log(line));
  if (built) console.log("Portal built for the tests.");
}
