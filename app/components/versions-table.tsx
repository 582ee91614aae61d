import type { ReactNode } from "react";
import { DataTable } from "~/components/data-table";
import { Time } from "~/components/time";

/** A version as the loaders send it (VersionRow with its dates as ISO strings). */
export interface VersionItem {
  version: number;
  source: "change-request" | "auth0";
  author: string;
  approvedBy: string | null;
  appliedAt: string | null;
  summary: string;
  staged: boolean;
  live: boolean;
  protocol: "saml" | "oidc";
  accepted: { by: string; at: string; stage: "live" | "test" } | null;
}

/** Serializes `listVersions`' rows for a loader. */
export function versionItems(
  versions: (Omit<VersionItem, "appliedAt" | "accepted"> & {
    appliedAt: Date | null;
    accepted: { by: string; at: Date; stage: "live" | "test" } | null;
  })[],
): VersionItem[] {
  return versions.map((v) => ({
    version: v.version,
    source: v.source,
    author: v.author,
    approvedBy: v.approvedBy,
    appliedAt: v.appliedAt?.toISOString() ?? null,
    summary: v.summary,
    staged: v.staged,
    live: v.live,
    protocol: v.protocol,
    accepted: v.accepted ? { ...v.accepted, at: v.accepted.at.toISOString() } : null,
  }));
}

/**
 * Every applied version, newest first: the customer's Versions page and support's organization
 * page. A version support took from Auth0 says so, with who accepted it and when.
 */
export function VersionsTable({
  versions,
  empty,
  actions,
}: {
  versions: VersionItem[];
  /** What the page says while nothing has been applied (instead of an empty table). */
  empty?: string;
  /** The Actions column (the customer's page), or none. */
  actions?: (v: VersionItem) => ReactNode;
}) {
  return (
    <DataTable
      rows={versions}
      rowKey={(v) => v.version}
      scroll
      empty={empty}
      columns={[
        {
          header: "Version",
          cell: (v) => (
            <>
              <strong>{v.version}</strong> {v.live ? <span className="badge ok">Live</span> : null}{" "}
              {v.staged ? <span className="badge warn">On the test connection</span> : null}{" "}
              {v.accepted ? <span className="badge">Taken from Auth0</span> : null}
              <p className="hint">{v.protocol.toUpperCase()}</p>
            </>
          ),
        },
        { header: "What changed", cell: (v) => v.summary },
        { header: "Submitted by", cell: (v) => v.author },
        {
          header: "Approved by",
          cell: (v) =>
            v.accepted ? (
              <>
                Accepted from Auth0 by {v.accepted.by} on <Time value={v.accepted.at} />
              </>
            ) : (
              (v.approvedBy ?? "—")
            ),
        },
        { header: "Applied", cell: (v) => (v.appliedAt ? <Time value={v.appliedAt} /> : "—") },
        actions ? { header: "Actions", cell: actions } : null,
      ]}
    />
  );
}
