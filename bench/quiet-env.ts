/**
 * Imported first by benches that run the portal in-process: the logger is made when its module is
 * first evaluated, so LOG_LEVEL must be set before any import reaches it (a `??=` after the
 * imports came too late, and every request was logged to stdout during the measurement).
 */
process.env.NODE_ENV ??= "production";
process.env.LOG_LEVEL ??= "silent";
