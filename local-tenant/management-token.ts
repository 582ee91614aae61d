/**
 * A Management API access token from a tenant's /oauth/token (client credentials): what tests and
 * benchmarks that drive the local tenant over HTTP start from. Not cached, so each caller sees the
 * endpoint answer (the portal's own, cached client is app/services/auth0/client.server.ts).
 */
export async function fetchManagementToken(options: {
  /** The tenant's base URL (the token endpoint is `<url>/oauth/token`). */
  tenantUrl: string;
  clientId: string;
  clientSecret: string;
  /** Default `<tenantUrl>/api/v2/`, the Management API's audience. */
  audience?: string;
}): Promise<string> {
  const res = await fetch(`${options.tenantUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "client_credentials",
      client_id: options.clientId,
      client_secret: options.clientSecret,
      audience: options.audience ?? `${options.tenantUrl}/api/v2/`,
    }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`management token request failed: ${res.status} ${body.error_description ?? ""}`.trim());
  return body.access_token;
}
