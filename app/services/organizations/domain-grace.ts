/**
 * How long a verified domain's TXT record may be missing before the scheduled re-check takes the
 * verification away (ADR 014): at least `checks` failed checks in a row, the first at least `hours`
 * before. Pure data: the pages say it too.
 */
export const DOMAIN_RECHECK_GRACE = { checks: 2, hours: 72 } as const;
