import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { demoAppAvailable, finishDemoSignIn } from "~/services/go-live/demo-app.server";

/** GET /demo-app/callback — local mode only: the demo application's OIDC callback. */
export async function loader({ request }: LoaderFunctionArgs) {
  if (!demoAppAvailable()) throw new Response("Not found", { status: 404 });
  const result = await finishDemoSignIn(request);
  if (!result.ok) return redirect(`/demo-app?error=${encodeURIComponent(result.message)}`);
  return redirect("/demo-app", { headers: { "Set-Cookie": result.setCookie, "Cache-Control": "no-store" } });
}
