import pino, { type Logger, type DestinationStream } from "pino";
import { currentRequest } from "./request-context.server";
import { singleton } from "./singleton.server";

/**
 * JSON lines with the request id of the request being served. Secrets are redacted by key
 * wherever they appear (two levels deep and in headers), so a careless `log.info({ body })`
 * cannot leak a client secret, password, token or cookie.
 */
const SECRET_KEYS = [
  "client_secret",
  "clientSecret",
  "password",
  "authorization",
  "cookie",
  "set-cookie",
  "token",
  "access_token",
  "id_token",
  "refresh_token",
  "code_verifier",
  "secret",
  "SAMLResponse",
  "signing_key",
  "decryptionKey",
  "SECRETS_KEY",
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  ...SECRET_KEYS.map((k) => `headers["${k}"]`),
  ...SECRET_KEYS.map((k) => `req.headers["${k}"]`),
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const ctx = currentRequest();
        return ctx ? { requestId: ctx.requestId } : {};
      },
    },
    destination,
  );
}

export const logger: Logger = singleton("logger", () =>
  createLogger(process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info")),
);
