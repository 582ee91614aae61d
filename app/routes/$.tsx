import type { MetaFunction } from "@remix-run/node";
import { ErrorPage } from "~/components/error-page";

/** Every URL no other route claims: a real 404 status with the 404 page. */
export async function loader() {
  throw new Response("The page you asked for does not exist, or you do not have access to it.", { status: 404 });
}

export default function NotFound() {
  return <ErrorPage status={404} />;
}

export function ErrorBoundary() {
  return <ErrorPage status={404} />;
}

export const meta: MetaFunction = () => [{ title: "Page not found · SSO Portal" }];
