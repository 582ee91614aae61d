import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ButtonForm, useSchemaForm } from "~/components/form";
import { MembersTable } from "~/components/members-table";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { changeRoleSchema, removeMemberSchema } from "~/forms/members";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { changeMemberRole, listMembers, removeMember } from "~/services/identity/memberships.server";
import { orgRoleCan } from "~/services/identity/permissions";
import { sectionTitle } from "~/components/section-nav";

/**
 * /orgs/<slug> (index) — the organization's members, for everyone in it; administrators change
 * roles and remove members here.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const members = await listMembers(scope);
  return {
    me: { id: scope.user.id },
    can: { manageMembers: orgRoleCan(scope.role, "org:members:manage") },
    members: members.map((m) => ({ ...m, since: m.since.toISOString() })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Every change here is an administrator's: one guard before anything is read.
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "change-role": {
      const parsed = parseSubmission(submission, changeRoleSchema, "Choose a member and a role.");
      if (!parsed.ok) return parsed.reply;
      const result = await changeMemberRole(scope, parsed.value.userId, parsed.value.role);
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(samePage(request), { tone: "ok", message: "The role was changed." });
    }
    case "remove-member": {
      const parsed = parseSubmission(submission, removeMemberSchema, "Choose a member.");
      if (!parsed.ok) return parsed.reply;
      const result = await removeMember(scope, parsed.value.userId);
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(samePage(request), { tone: "ok", message: "The member was removed." });
    }
    default:
      return unknownIntent(submission);
  }
}

/** A member's two actions: the other role, and removal; a refusal shows beside the button pressed. */
function MemberActions({ member }: { member: { userId: string; email: string; role: "org_admin" | "org_viewer" } }) {
  const other = member.role === "org_admin" ? "org_viewer" : "org_admin";
  const changeRole = useSchemaForm(changeRoleSchema, {
    intent: "change-role",
    hidden: { userId: member.userId, role: other },
  });
  const remove = useSchemaForm(removeMemberSchema, { intent: "remove-member", hidden: { userId: member.userId } });
  return (
    <div className="button-row">
      <ButtonForm form={changeRole} className="secondary" names={` (${member.email})`}>
        Make {other === "org_admin" ? "administrator" : "viewer"}
      </ButtonForm>
      <ButtonForm form={remove} className="danger" names={` ${member.email}`}>
        Remove
      </ButtonForm>
    </div>
  );
}

export default function OrganizationMembers() {
  const { me, can, members } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <MembersTable
        members={members}
        stackOnNarrow
        actions={
          can.manageMembers
            ? (m) => (m.userId === me.id ? <span className="hint">you</span> : <MemberActions member={m} />)
            : undefined
        }
      />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Members") }];
