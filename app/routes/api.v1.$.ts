import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { API_OPERATIONS } from "~/services/api/operations.server";
import { handleApiRequest } from "~/services/api/router.server";

/**
 * /api/v1/* — the JSON API for the vendor's own systems (README, "The API"). Authenticated by
 * API keys only, never by the session cookie; the router answers every method and path.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApiRequest(request, API_OPERATIONS);
}

export async function action({ request }: ActionFunctionArgs) {
  return handleApiRequest(request, API_OPERATIONS);
}
