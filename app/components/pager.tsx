import { useSearchParams } from "@remix-run/react";
import { Link } from "~/components/link";

/**
 * "N things · page p of P" with Previous and Next links that keep the page's other search
 * parameters (filters, sort). Pages are numbered from 1 in `?page=`.
 */
export function Pager({
  total,
  page,
  pageSize,
  noun,
}: {
  total: number;
  page: number;
  pageSize: number;
  noun: string;
}) {
  const [params] = useSearchParams();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const pageLink = (n: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(n));
    return `?${next.toString()}`;
  };
  return (
    <nav aria-label="Pages" className="inline-form">
      <span>
        {total} {noun}
        {total === 1 ? "" : "s"} · page {Math.min(page, pages)} of {pages}
      </span>
      {page > 1 ? <Link to={pageLink(Math.min(page - 1, pages))}>Previous page</Link> : null}
      {page < pages ? <Link to={pageLink(page + 1)}>Next page</Link> : null}
    </nav>
  );
}

/** The `?page=` of a request's URL: a whole number from 1 (anything else is page 1). */
export function pageParam(url: URL): number {
  const n = Number(url.searchParams.get("page") ?? "1");
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1;
}

/** A search box in a GET form (works without JavaScript), its value kept in `?q=`. */
export function SearchField({ id, label, placeholder }: { id: string; label: string; placeholder: string }) {
  const [params] = useSearchParams();
  return (
    <>
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input id={id} name="q" type="search" defaultValue={params.get("q") ?? ""} placeholder={placeholder} />
      </div>
      <FilterButton>Find</FilterButton>
    </>
  );
}

/** The submit button of a GET filter or search form, aligned with its fields. */
export function FilterButton({ children }: { children: string }) {
  return (
    <div className="field">
      <button type="submit" className="secondary">
        {children}
      </button>
    </div>
  );
}
