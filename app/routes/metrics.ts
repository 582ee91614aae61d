import type { LoaderFunctionArgs } from "@remix-run/node";
import { metricsAllowed, metricsRefusal } from "~/services/monitoring/metrics-access.server";
import { METRICS_CONTENT_TYPE, metricsText } from "~/services/monitoring/metrics.server";

/** Prometheus scrapes this: the portal process's metrics and the cluster's, from the database. */
export async function loader({ request }: LoaderFunctionArgs) {
  if (!metricsAllowed(request.headers.get("authorization"))) return metricsRefusal();
  return new Response(await metricsText({ cluster: true }), {
    headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
  });
}
