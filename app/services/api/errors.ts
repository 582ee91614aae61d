/**
 * The API's one error shape, `{"error": {"code", "message"}}`, and the codes it uses. A handler
 * throws ApiError; the router turns it (and anything unexpected) into that JSON.
 */
export const API_ERROR_CODES = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  get status(): number {
    return API_ERROR_CODES[this.code];
  }
}

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}
