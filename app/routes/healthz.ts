/** Liveness: the process is up and serving. Touches nothing else on purpose. */
export async function loader() {
  return Response.json(
    { status: "ok", uptimeSeconds: Math.round(process.uptime()) },
    { headers: { "Cache-Control": "no-store" } },
  );
}
