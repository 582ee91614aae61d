import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { MAX_TTL_HOURS, MAX_USES_LIMIT } from "~/services/identity/invitation-rules";
import { revokeSetupLinkSchema, setupLinkDefaults, setupLinkSchema, supportSetupLinkSchema } from "~/forms/setup-links";
import { SchemaForm, SelectField, SubmitButton, TextField, useFlash, useSchemaForm } from "./form";
import { CopyValue } from "./copy-value";
import { Time } from "./time";

/**
 * A setup link just created (it came in the flash message of the redirect after the POST): shown
 * once, whole, with a copy button (the text stays selectable without JavaScript).
 */
export function NewSetupLink() {
  const link = useFlash()?.setupLink;
  if (!link) return null;
  return (
    <div className="card" role="group" aria-labelledby="new-link-title">
      <h3 id="new-link-title">
        Setup link{link.org ? ` for ${link.org}` : ""} ({link.role}, {link.maxUses} use
        {link.maxUses === 1 ? "" : "s"}, until <Time value={link.expiresAt} />)
      </h3>
      <p className="hint">Copy it now: it is shown only once. Send it to the person who should join.</p>
      <CopyValue value={link.url} label="setup link" />
    </div>
  );
}

const ROLE_OPTIONS = [
  { value: "org_admin", label: "Administrator" },
  { value: "org_viewer", label: "Viewer" },
];

function SetupLinkFields() {
  return (
    <>
      <SelectField name="role" label="Role" options={ROLE_OPTIONS} />
      <TextField name="maxUses" label="Maximum uses" type="number" inputMode="numeric" min={1} max={MAX_USES_LIMIT} />
      <TextField
        name="ttlHours"
        label="Valid for (hours)"
        type="number"
        inputMode="numeric"
        min={1}
        max={MAX_TTL_HOURS}
      />
    </>
  );
}

/** The organization page's "create setup link" form (for its own organization). */
export function SetupLinkForm({ defaultRole }: { defaultRole: "org_admin" | "org_viewer" }) {
  const form = useSchemaForm(setupLinkSchema, {
    intent: "invite",
    defaultValues: { role: defaultRole, ...setupLinkDefaults },
  });
  return (
    <SchemaForm form={form} className="inline-form">
      <SetupLinkFields />
      <SubmitButton>Create setup link</SubmitButton>
    </SchemaForm>
  );
}

/**
 * The support console's "create setup link" form: for an organization chosen from the list, or
 * named by its slug when there are too many organizations for a list (`orgs` null).
 */
export function SupportSetupLinkForm({ orgs }: { orgs: { slug: string; name: string }[] | null }) {
  const form = useSchemaForm(supportSetupLinkSchema, {
    intent: "invite",
    defaultValues: { orgSlug: orgs?.[0]?.slug ?? "", role: "org_admin", ...setupLinkDefaults },
  });
  return (
    <SchemaForm form={form} className="inline-form">
      {orgs ? (
        <SelectField
          name="orgSlug"
          label="Organization"
          options={orgs.map((o) => ({ value: o.slug, label: o.name }))}
        />
      ) : (
        <TextField name="orgSlug" label="Organization (slug)" className="mono" hint="e.g. acme-corp" />
      )}
      <SetupLinkFields />
      <SubmitButton>Create setup link</SubmitButton>
    </SchemaForm>
  );
}

/** The one-button form that revokes a setup link. */
export function RevokeSetupLink({ id }: { id: string }) {
  const form = useSchemaForm(revokeSetupLinkSchema, { intent: "revoke-invite", hidden: { invitationId: id } });
  return (
    <SchemaForm form={form}>
      <SubmitButton className="danger">Revoke</SubmitButton>
    </SchemaForm>
  );
}

export interface PendingSetupLink {
  id: string;
  role: "org_admin" | "org_viewer";
  createdBy: string;
  uses: number;
  maxUses: number;
  expiresAt: string;
}

/** An organization's pending setup links, with "Revoke" for whoever may revoke them. */
export function PendingSetupLinks({ links, canRevoke }: { links: PendingSetupLink[]; canRevoke: boolean }) {
  if (links.length === 0) return <p className="empty-state">No pending setup links.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Role</th>
          <th scope="col">Created by</th>
          <th scope="col">Uses</th>
          <th scope="col">Expires</th>
          {canRevoke ? <th scope="col">Actions</th> : null}
        </tr>
      </thead>
      <tbody>
        {links.map((l) => (
          <tr key={l.id}>
            <td>{ORG_ROLE_LABEL[l.role]}</td>
            <td>{l.createdBy}</td>
            <td>
              {l.uses} of {l.maxUses}
            </td>
            <td>
              <Time value={l.expiresAt} />
            </td>
            {canRevoke ? (
              <td>
                <RevokeSetupLink id={l.id} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What a loader sends of a pending setup link. */
export function pendingSetupLink(l: {
  id: string;
  role: "org_admin" | "org_viewer";
  createdBy: string;
  uses: number;
  maxUses: number;
  expiresAt: Date;
}): PendingSetupLink {
  return { ...l, expiresAt: l.expiresAt.toISOString() };
}
