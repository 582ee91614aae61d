import { Form } from "@remix-run/react";
import { DEFAULT_TTL_HOURS, MAX_TTL_HOURS, MAX_USES_LIMIT } from "~/services/identity/invitation-rules";
import { describedBy, FieldError } from "./form-errors";
import { Time } from "./time";

/** A setup link just created: shown once, in a read-only field that selects itself on focus. */
export function NewSetupLink({
  link,
  org,
}: {
  link: { url: string; role: string; expiresAt: string; maxUses: number };
  org?: string;
}) {
  return (
    <div className="card">
      <label htmlFor="new-link">
        Setup link{org ? ` for ${org}` : ""} ({link.role}, {link.maxUses} use{link.maxUses === 1 ? "" : "s"}, until{" "}
        <Time value={link.expiresAt} />)
      </label>
      <input id="new-link" className="mono" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
    </div>
  );
}

/** Role, maximum uses and validity of a new setup link (inside the caller's form). */
export function SetupLinkFields({
  errors,
  defaultRole,
}: {
  errors: Record<string, string>;
  defaultRole: "org_admin" | "org_viewer";
}) {
  return (
    <>
      <div className="field">
        <label htmlFor="invite-role">Role</label>
        <select
          id="invite-role"
          name="role"
          defaultValue={defaultRole}
          {...describedBy(errors.role, "invite-role-error")}
        >
          <option value="org_admin">Administrator</option>
          <option value="org_viewer">Viewer</option>
        </select>
        <FieldError id="invite-role-error" message={errors.role} />
      </div>
      <div className="field">
        <label htmlFor="invite-uses">Maximum uses</label>
        <input
          id="invite-uses"
          name="maxUses"
          type="number"
          min={1}
          max={MAX_USES_LIMIT}
          defaultValue={1}
          {...describedBy(errors.maxUses, "invite-uses-error")}
        />
        <FieldError id="invite-uses-error" message={errors.maxUses} />
      </div>
      <div className="field">
        <label htmlFor="invite-ttl">Valid for (hours)</label>
        <input
          id="invite-ttl"
          name="ttlHours"
          type="number"
          min={1}
          max={MAX_TTL_HOURS}
          defaultValue={DEFAULT_TTL_HOURS}
          {...describedBy(errors.ttlHours, "invite-ttl-error")}
        />
        <FieldError id="invite-ttl-error" message={errors.ttlHours} />
      </div>
    </>
  );
}

/** The one-button form that revokes a setup link. */
export function RevokeSetupLink({ id, busy }: { id: string; busy: boolean }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="revoke-invite" />
      <input type="hidden" name="invitationId" value={id} />
      <button type="submit" className="danger" disabled={busy}>
        Revoke
      </button>
    </Form>
  );
}
