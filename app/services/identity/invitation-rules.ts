/** Limits of setup links, shared by the forms and the service. */
export const DEFAULT_TTL_HOURS = 72;
export const MAX_TTL_HOURS = 24 * 30;
export const MAX_USES_LIMIT = 100;
