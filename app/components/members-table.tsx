import type { ReactNode } from "react";
import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { DataTable } from "./data-table";
import { Time } from "./time";

/** A member as the loaders send it (the date as an ISO string). */
export interface MemberItem {
  userId: string;
  name: string | null;
  email: string;
  role: "org_admin" | "org_viewer";
  since: string;
}

/**
 * An organization's members: who, their role, since when. The organization's own page adds the
 * Actions column and stacks the rows on narrow screens; support's page says when there is nobody.
 */
export function MembersTable({
  members,
  empty,
  stackOnNarrow = false,
  actions,
}: {
  members: MemberItem[];
  empty?: string;
  stackOnNarrow?: boolean;
  actions?: (member: MemberItem) => ReactNode;
}) {
  return (
    <DataTable
      rows={members}
      rowKey={(m) => m.userId}
      empty={empty}
      stackOnNarrow={stackOnNarrow}
      columns={[
        {
          header: "Person",
          cell: (m) => (
            <>
              {m.name ? `${m.name} · ` : ""}
              {m.email}
            </>
          ),
        },
        { header: "Role", cell: (m) => ORG_ROLE_LABEL[m.role] },
        { header: "Since", cell: (m) => <Time value={m.since} /> },
        actions ? { header: "Actions", cell: actions } : null,
      ]}
    />
  );
}
