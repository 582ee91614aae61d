import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { Link } from "~/components/link";
import type { ReactNode } from "react";
import { ErrorPage } from "./components/error-page";
import { FlashNotice } from "./components/form";
import { useNonce } from "./components/nonce";
import { takeFlash } from "./forms/flash.server";
import { getViewer } from "./services/identity/guards.server";
import stylesUrl from "./styles/app.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesUrl },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "SSO Portal" }];

/**
 * Who is signed in, for the navigation (e-mail, organizations for the switcher, vendor role), and
 * the flash message a POST-redirect-GET left for this page (read once: the cookie is cleared).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const [viewer, { flash, headers }] = await Promise.all([getViewer(request), takeFlash(request)]);
  return data(
    {
      flash,
      viewer: viewer
        ? {
            email: viewer.user.email,
            orgs: viewer.memberships.map((m) => ({ slug: m.org.slug, name: m.org.name })),
            support: viewer.supportRole !== null,
          }
        : null,
    },
    { headers },
  );
}

function AccountNav() {
  const root = useRouteLoaderData<typeof loader>("root");
  const location = useLocation();
  const viewer = root?.viewer;
  if (!viewer) {
    // From the home page, sign-in leads to the user's organizations (or the support console).
    const returnTo = location.pathname === "/" ? "/orgs" : `${location.pathname}${location.search}`;
    return (
      <ul className="account-nav">
        <li>
          <a href={`/auth/login?returnTo=${encodeURIComponent(returnTo)}`}>Sign in</a>
        </li>
      </ul>
    );
  }
  return (
    <>
      {viewer.orgs.length > 0 ? (
        <ul className="org-switcher" aria-label="Your organizations">
          {viewer.orgs.map((o) => (
            <li key={o.slug}>
              <NavLink to={`/orgs/${o.slug}`}>{o.name}</NavLink>
            </li>
          ))}
        </ul>
      ) : null}
      <ul className="account-nav">
        {viewer.support ? (
          <li>
            <NavLink to="/support">Support</NavLink>
          </li>
        ) : null}
        <li className="signed-in-as">{viewer.email}</li>
        <li>
          <Form method="post" action="/auth/logout" reloadDocument>
            <button type="submit" name="scope" value="this" className="link-button">
              Sign out
            </button>
          </Form>
        </li>
      </ul>
    </>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <nav className="site-nav" aria-label="Main">
            <Link to="/" className="brand">
              <span aria-hidden="true" className="brand-mark">
                ⬡
              </span>{" "}
              SSO Portal
            </Link>
            <ul>
              <li>
                <NavLink to="/" end>
                  Home
                </NavLink>
              </li>
            </ul>
            <AccountNav />
          </nav>
        </header>
        <main id="main" tabIndex={-1}>
          <FlashNotice />
          {children}
        </main>
        <footer className="site-footer">
          <p>Single sign-on set-up for your organization, powered by Auth0.</p>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    return <ErrorPage status={error.status} detail={typeof error.data === "string" ? error.data : undefined} />;
  }
  return <ErrorPage status={500} />;
}
