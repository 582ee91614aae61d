import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { demoAppAvailable, startDemoSignIn } from "~/services/go-live/demo-app.server";

/** GET /demo-app/start?org=<slug> — local mode only: on to the organization's live connection. */
export async function loader({ request }: LoaderFunctionArgs) {
  if (!demoAppAvailable()) throw new Response("Not found", { status: 404 });
  const slug = new URL(request.url).searchParams.get("org") ?? "";
  const started = await startDemoSignIn(slug);
  if (!started) {
    return redirect(`/demo-app?error=${encodeURIComponent("That organization has no live single sign-on.")}`);
  }
  return redirect(started.url.toString(), {
    headers: { "Set-Cookie": started.setCookie, "Cache-Control": "no-store" },
  });
}
