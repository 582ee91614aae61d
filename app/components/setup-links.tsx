import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { MAX_TTL_HOURS, MAX_USES_LIMIT } from "~/services/identity/invitation-rules";
import { revokeSetupLinkSchema, setupLinkDefaults, setupLinkSchema, supportSetupLinkSchema } from "~/forms/setup-links";
import { ButtonForm, SchemaForm, SelectField, SubmitButton, TextField, useFlash, useSchemaForm } from "./form";
import { CopyValue } from "./copy-value";
import { DataTable } from "./data-table";
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
    <ButtonForm form={form} className="danger">
      Revoke
    </ButtonForm>
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
  return (
    <DataTable
      rows={links}
      empty="No pending setup links."
      columns={[
        { header: "Role", cell: (l) => ORG_ROLE_LABEL[l.role] },
        { header: "Created by", cell: (l) => l.createdBy },
        {
          header: "Uses",
          cell: (l) => (
            <>
              {l.uses} of {l.maxUses}
            </>
          ),
        },
        { header: "Expires", cell: (l) => <Time value={l.expiresAt} /> },
        canRevoke && { header: "Actions", cell: (l) => <RevokeSetupLink id={l.id} /> },
      ]}
    />
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
