import { NavLink } from "@remix-run/react";

export interface Section {
  to: string;
  label: string;
  /** Only this exact path (the layout's index), not its children. */
  end?: boolean;
}

/** A layout's sections as tabs: links, the current one marked (aria-current="page"). */
export function SectionNav({ label, sections }: { label: string; sections: Section[] }) {
  return (
    <nav className="section-nav" aria-label={label}>
      <ul>
        {sections.map((s) => (
          <li key={s.to}>
            <NavLink to={s.to} end={s.end} prefetch="intent">
              {s.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * A section's page title: "Section · Area · SSO Portal", the area named by the nearest layout
 * whose loader gives a `title` (an organization's name, "Support console").
 */
export function sectionTitle(matches: readonly { data?: unknown }[], section: string): string {
  const area = matches
    .map((m) => (m.data && typeof m.data === "object" ? (m.data as { title?: unknown }).title : undefined))
    .filter((t): t is string => typeof t === "string")
    .pop();
  return [section, area, "SSO Portal"].filter(Boolean).join(" · ");
}
