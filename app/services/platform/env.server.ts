import { isIP } from "node:net";
import { z } from "zod";
import { parseJobPeriods } from "../monitoring/job-catalog";
import { parseUrl } from "~/validators/urls";
import { parseSecretsKey, SECRETS_KEY_HELP } from "./secrets-key";

/**
 * The one place that reads the environment. Parsed once at start; every missing or malformed
 * variable is reported by name with how to fix it. Local mode — no Auth0 tenant configured —
 * needs no variable at all.
 */

/** A comma-separated list: each entry trimmed (and `normalize`d), empty ones dropped, then checked by `entry`. */
const commaList = (entry: z.ZodString, normalize = (e: string) => e) =>
  z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((e) => normalize(e.trim()))
        .filter(Boolean),
    )
    .pipe(z.array(entry));

const emailList = commaList(z.string().email("each entry must be an e-mail address"), (e) => e.toLowerCase());

const idList = commaList(
  z.string().regex(/^[^\s|]+\|[^\s]+$/, "each entry must be a user id such as auth0|64f1c0ffee"),
);

/** A server's URL (database, mail): one of `protocols`, naming a host; `message` says what is expected. */
const serverUrl = (protocols: string[], message: string) =>
  z.string().refine((v) => {
    const url = parseUrl(v);
    return url !== null && protocols.includes(url.protocol) && url.hostname !== "";
  }, message);

const httpUrl = (what: string) =>
  z
    .string()
    .url(`must be a URL such as ${what}`)
    .refine((u) => /^https?:\/\//.test(u), `must start with http:// or https:// (e.g. ${what})`);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    PORT: z.coerce.number().int("must be a whole number").min(0).max(65535).default(3000),
    /** Interface to listen on. Local mode: 127.0.0.1 unless set; a real deployment must say it (listenHost). */
    HOST: z.string().min(1).optional(),
    /** Which proxies' forwarded headers are believed (express "trust proxy"); none unless set. */
    TRUST_PROXY: z
      .string()
      .refine(
        (v) => parseTrustProxy(v) !== undefined,
        "must be true, false, a number of proxy hops (e.g. 1), or a comma-separated list of proxy addresses or subnets (e.g. loopback, 10.0.0.0/8)",
      )
      .optional(),
    PUBLIC_URL: httpUrl("https://sso.example.com").optional(),
    DATA_DIR: z.string().min(1).default(".data"),
    DATABASE_URL: serverUrl(
      ["postgres:", "postgresql:"],
      "must be a PostgreSQL URL such as postgres://user:password@db.example.com:5432/sso_portal",
    ).optional(),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
    /** Seals secrets at rest (queued apply jobs): 32 bytes as 64 hex characters or base64. */
    SECRETS_KEY: z
      .string()
      .refine((v) => {
        try {
          parseSecretsKey(v);
          return true;
        } catch {
          return false;
        }
      }, SECRETS_KEY_HELP)
      .optional(),
    /** DNS servers for domain verification (ip or ip:port, comma-separated); default: the system's. */
    DNS_SERVERS: commaList(
      z
        .string()
        .regex(
          /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d{1,5})?$/i,
          "each entry must be an IP address with an optional port, e.g. 1.1.1.1 or 127.0.0.1:5353",
        ),
    ).optional(),
    /** Outgoing mail: smtp://user:password@host:587 or smtps://…:465. Unset: mail stays in the outbox (/outbox). */
    SMTP_URL: serverUrl(
      ["smtp:", "smtps:"],
      "must be an SMTP URL such as smtp://user:password@mail.example.com:587 (or smtps://… for port 465)",
    ).optional(),
    /** The sender of every notification. */
    MAIL_FROM: z.string().min(3).default("SSO Portal <no-reply@localhost>"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    AUTH0_DOMAIN: z
      .string()
      .regex(
        /^[A-Za-z0-9.-]+(:\d+)?$/,
        "must be the tenant's domain only, e.g. acme.eu.auth0.com (no https://, no path)",
      )
      .optional(),
    AUTH0_MGMT_CLIENT_ID: z.string().min(1).optional(),
    AUTH0_MGMT_CLIENT_SECRET: z.string().min(1).optional(),
    AUTH0_PORTAL_CLIENT_ID: z.string().min(1).optional(),
    AUTH0_PORTAL_CLIENT_SECRET: z.string().min(1).optional(),
    AUTH0_TEST_CLIENT_ID: z.string().min(1).optional(),
    AUTH0_TEST_CLIENT_SECRET: z.string().min(1).optional(),
    /** The vendor's applications a connection is enabled for when it goes live (comma-separated client ids). */
    AUTH0_PRODUCTION_CLIENT_IDS: z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((e) => e.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "each entry must be an Auth0 client id")))
      .default(""),
    /** How long a passing test login allows "Go live" (days). */
    TEST_LOGIN_VALID_DAYS: z.coerce.number().int("must be a whole number").min(1).max(90).default(7),
    AUTH0_CONNECTION_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9](-?[a-zA-Z0-9])*$/, "may hold only letters, digits and single hyphens (e.g. sso)")
      .max(40)
      .default("sso"),
    /** The tenant's Management API plan limit; the apply workers keep their shared budget under it. */
    AUTH0_RATE_LIMIT: z.enum(["free", "enterprise", "enterprise-non-production", "off"]).default("free"),
    /**
     * Apply jobs each worker runs at once (ADR 013): enough in flight that the rate budget, not
     * Auth0's latency, sets the pace. On PostgreSQL each holds a pool connection (the pool has 10).
     */
    APPLY_WORKER_CONCURRENCY: z.coerce.number().int("must be a whole number").min(1).max(8).default(8),
    /** `resource`: a step locks what it rewrites; `tenant`: one step at a time on the whole tenant. */
    APPLY_LOCK_SCOPE: z.enum(["resource", "tenant"]).default("resource"),
    SUPPORT_AGENT_EMAILS: emailList.default(""),
    SUPPORT_ADMIN_EMAILS: emailList.default(""),
    /** Vendor roles by the tenant's user id (`sub`), e.g. auth0|64f…,google-oauth2|1… */
    SUPPORT_AGENT_USER_IDS: idList.default(""),
    SUPPORT_ADMIN_USER_IDS: idList.default(""),
    /** Name of an ID-token claim holding vendor roles (set by an Auth0 Action), e.g. https://sso-portal/roles */
    SUPPORT_ROLE_CLAIM: z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/, "must be a claim name without spaces, e.g. https://sso-portal.example/roles")
      .optional(),
    SESSION_IDLE_MINUTES: z.coerce.number().int("must be a whole number").min(5).max(1440).default(120),
    SESSION_MAX_HOURS: z.coerce.number().int("must be a whole number").min(1).max(720).default(12),
    /** Bearer token Prometheus sends to /metrics; without it /metrics is open in local mode only. */
    METRICS_TOKEN: z
      .string()
      .min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)")
      .regex(/^[\x21-\x7e]+$/, "may hold only printable characters without spaces")
      .optional(),
    /**
     * How approved versions reach the tenant: `live` (Management API calls) or `repository`
     * (commits in the Deploy CLI's directory format, then APPLY_DEPLOY_COMMAND). ADR 013.
     */
    APPLY_MODE: z.enum(["live", "repository"], { message: "must be live or repository" }).default("live"),
    /** Repository mode: the git working copy the portal commits to (default <DATA_DIR>/config-repository). */
    APPLY_REPOSITORY_DIR: z.string().min(1).optional(),
    /** Repository mode: run after each commit in the repository, e.g. `a0deploy import -c config.json -i "$SSO_PORTAL_DEPLOY_DIR"`. */
    APPLY_DEPLOY_COMMAND: z.string().min(1).optional(),
    /** `npm run apply-worker` serves its own /metrics on this port (off when unset). */
    WORKER_METRICS_PORT: z.coerce.number().int("must be a whole number").min(1).max(65535).optional(),
    /** Scheduled jobs' periods, e.g. "certificate-expiry=6h,drift-check=30m" (default: each job's own). */
    SCHEDULED_JOB_PERIODS: z
      .string()
      .default("")
      .transform((text, ctx) => {
        const { periods, problems } = parseJobPeriods(text);
        for (const message of problems) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
        return periods;
      }),
    LOCAL_TENANT_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
    LOCAL_SAML_IDP_PORT: z.coerce.number().int().min(0).max(65535).default(4020),
    LOCAL_OIDC_IDP_PORT: z.coerce.number().int().min(0).max(65535).default(4030),
    LOCAL_DEMO_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
    LOCAL_TENANT_MGMT_CLIENT_ID: z.string().min(1).optional(),
    LOCAL_TENANT_MGMT_CLIENT_SECRET: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.AUTH0_DOMAIN) return; // local mode
    const need = (key: keyof typeof env, how: string) => {
      if (!env[key])
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `is required with AUTH0_DOMAIN: ${how}` });
    };
    need("SESSION_SECRET", "set a random value of at least 32 characters (e.g. `openssl rand -hex 32`)");
    need("SECRETS_KEY", "32 random bytes as 64 hex characters, made with `openssl rand -hex 32`");
    need("AUTH0_MGMT_CLIENT_ID", "the client id of a Machine-to-Machine application authorized for the Management API");
    need("AUTH0_MGMT_CLIENT_SECRET", "that Machine-to-Machine application's client secret");
    need("AUTH0_PORTAL_CLIENT_ID", "the client id of the Regular Web Application users sign in to the portal with");
    need("AUTH0_PORTAL_CLIENT_SECRET", "that application's client secret");
    need("AUTH0_TEST_CLIENT_ID", "the client id of the Regular Web Application used for test logins");
    need("AUTH0_TEST_CLIENT_SECRET", "that application's client secret");
    need("PUBLIC_URL", "the portal's public origin, e.g. https://sso.example.com");
  });

/** The proxies whose forwarded headers (X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host) are believed. */
export type TrustProxy = boolean | number | string[];

const NAMED_SUBNETS = new Set(["loopback", "linklocal", "uniquelocal"]);

/** TRUST_PROXY as express's "trust proxy" takes it; undefined when malformed. */
export function parseTrustProxy(value: string | undefined): TrustProxy | undefined {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "false") return false;
  if (v === "true") return true;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const entries = v.split(",").map((e) => e.trim());
  const valid = entries.every((e) => {
    if (NAMED_SUBNETS.has(e)) return true;
    const [address, bits, ...rest] = e.split("/");
    if (rest.length > 0 || !address || isIP(address) === 0) return false;
    return bits === undefined || /^\d{1,3}$/.test(bits);
  });
  return valid ? entries : undefined;
}

export type Env = z.infer<typeof schema> & {
  /** No Auth0 tenant configured: local tenant, demo IdPs and embedded database. */
  localMode: boolean;
  publicUrl: string;
  trustProxy: TrustProxy;
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The environment is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every variable.`,
    );
    this.name = "EnvError";
  }
}

/** Secrets must never be echoed, even in the error that says they are malformed. */
const SECRET_KEYS = new Set([
  "SESSION_SECRET",
  "SECRETS_KEY",
  "AUTH0_MGMT_CLIENT_SECRET",
  "AUTH0_PORTAL_CLIENT_SECRET",
  "AUTH0_TEST_CLIENT_SECRET",
  "LOCAL_DEMO_PASSWORD",
  "LOCAL_TENANT_MGMT_CLIENT_SECRET",
  "DATABASE_URL",
  "METRICS_TOKEN",
  "SMTP_URL",
]);

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Treat empty strings as unset: `FOO=` in a .env file means "not given".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "environment");
      const shown =
        SECRET_KEYS.has(key) || cleaned[key] === undefined ? "" : ` (got "${String(cleaned[key]).slice(0, 80)}")`;
      return `${key} ${issue.message}${shown}`;
    });
    throw new EnvError(problems);
  }
  const env = result.data;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, "");
  return { ...env, localMode: !env.AUTH0_DOMAIN, publicUrl, trustProxy: parseTrustProxy(env.TRUST_PROXY) ?? false };
}

/**
 * The interface the portal listens on. Local mode prints demo passwords, so it stays on this
 * machine (127.0.0.1) unless HOST says otherwise; a real deployment must say where it listens.
 */
export function listenHost(env: Env): string {
  if (env.HOST) return env.HOST;
  if (env.localMode) return "127.0.0.1";
  throw new EnvError([
    "HOST is required with AUTH0_DOMAIN: the interface the portal listens on, e.g. 0.0.0.0 (every interface, as in a container) or 127.0.0.1 (behind a reverse proxy on this machine)",
  ]);
}

let cached: Env | undefined;

/** The process environment, parsed once. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests that start servers with a different environment. */
export function resetEnvForTests(): void {
  cached = undefined;
}
