import { EnvError, getEnv, type Env } from "~/services/platform/env.server";

/** The parsed environment, or — when it is wrong — its message on stderr and exit code 1 (no stack trace). */
export function envOrExit(): Env {
  try {
    return getEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
