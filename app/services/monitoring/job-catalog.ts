import { DOMAIN_RECHECK_GRACE } from "../organizations/domain-grace";

/**
 * The scheduled jobs the portal knows, in words and with their default periods. Pure data: the
 * environment parser checks `SCHEDULED_JOB_PERIODS` against it and the support pages name jobs
 * with it; what a job does is given to the scheduler at start (monitoring/jobs.server.ts).
 */
export interface ScheduledJobInfo {
  title: string;
  /** What a run does, for the support page. */
  description: string;
  defaultPeriodSeconds: number;
}

export const SCHEDULED_JOB_CATALOG = {
  "certificate-expiry": {
    title: "Certificate expiry",
    description:
      "Reads every live SAML connection's signing certificate and records when it expires (red on the dashboard once expired).",
    defaultPeriodSeconds: 6 * 3600,
  },
  "domain-recheck": {
    title: "Verified domains",
    description: `Looks up every DNS-verified domain's TXT record again; a domain whose record is missing at ${DOMAIN_RECHECK_GRACE.checks} checks in a row over at least ${DOMAIN_RECHECK_GRACE.hours} hours loses its verification and leaves the connection's domain_aliases; its administrators and support are told.`,
    defaultPeriodSeconds: 24 * 3600,
  },
  "drift-check": {
    title: "Drift check",
    description:
      "Compares what Auth0 holds for each organization's connection (options, applications, organization) with the version last applied, within a quarter of the Management API rate.",
    defaultPeriodSeconds: 3600,
  },
  "email-retries": {
    title: "E-mail retries",
    description:
      "Sends again every e-mail whose delivery failed (after 1, 2, 4 … minutes, at most an hour apart, until its last attempt) or was left half-sent by a process that stopped. New mail goes out at once without it. A run in which every attempt failed is marked failed.",
    defaultPeriodSeconds: 60,
  },
  "metadata-refresh": {
    title: "Metadata URLs",
    description:
      "Fetches every metadata URL a SAML configuration came from and every OIDC discovery URL with its key set (conditionally, through the SSRF-safe fetcher); a new SAML signing certificate or a changed OIDC issuer or endpoint becomes a change request, an OIDC key rotation is only recorded, an unreachable or invalid document is reported and never applied.",
    defaultPeriodSeconds: 6 * 3600,
  },
  "session-sweep": {
    title: "Expired sessions",
    description: "Deletes portal sessions that ended more than a day ago.",
    defaultPeriodSeconds: 6 * 3600,
  },
} as const satisfies Record<string, ScheduledJobInfo>;

export type ScheduledJobName = keyof typeof SCHEDULED_JOB_CATALOG;

export const SCHEDULED_JOB_NAMES = Object.keys(SCHEDULED_JOB_CATALOG) as ScheduledJobName[];

export function isScheduledJobName(name: string): name is ScheduledJobName {
  return Object.hasOwn(SCHEDULED_JOB_CATALOG, name);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90s", "15m", "6h", "1d" → seconds; undefined when malformed. */
export function parsePeriod(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  return seconds > 0 ? seconds : undefined;
}

/** Seconds in words for the pages: 21600 → "6 h". */
export function formatPeriod(seconds: number): string {
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["min", 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  return `${seconds} s`;
}

/**
 * `SCHEDULED_JOB_PERIODS`, e.g. "certificate-expiry=6h,drift-check=30m": each named job's period.
 * Returns the periods or the problems, one per entry.
 */
export function parseJobPeriods(text: string): {
  periods: Partial<Record<ScheduledJobName, number>>;
  problems: string[];
} {
  const periods: Partial<Record<ScheduledJobName, number>> = {};
  const problems: string[] = [];
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name = "", value = ""] = entry.split("=", 2).map((p) => p.trim());
    if (!isScheduledJobName(name)) {
      problems.push(`"${name}" is not a scheduled job (known: ${SCHEDULED_JOB_NAMES.join(", ")})`);
      continue;
    }
    const seconds = parsePeriod(value);
    if (seconds === undefined) {
      problems.push(`"${name}=${value}" needs a period such as 90s, 15m, 6h or 1d`);
      continue;
    }
    periods[name] = seconds;
  }
  return { periods, problems };
}
