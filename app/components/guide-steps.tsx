import type { Guide, GuideValues, Inline } from "~/guides/index";
import { CopyValue } from "./copy-value";

/** What a placeholder is, in words, for the copy button's accessible name. */
const VALUE_LABEL: Record<keyof GuideValues, string> = {
  appName: "application name",
  acsUrl: "ACS URL",
  acsUrlPattern: "ACS URL pattern",
  entityId: "SP entity ID",
  metadataUrl: "SP metadata URL",
  nameIdFormat: "NameID format",
  redirectUri: "redirect URI",
  scopes: "scopes",
  loginUrl: "login URL",
  "attr.email": "e-mail attribute name",
  "attr.givenName": "given name attribute name",
  "attr.familyName": "family name attribute name",
  "attr.groups": "groups attribute name",
};

function Inlines({ parts, values }: { parts: Inline[]; values: GuideValues }) {
  return (
    <>
      {parts.map((p, i) => {
        switch (p.kind) {
          case "text":
            return <span key={i}>{p.text}</span>;
          case "strong":
            return <strong key={i}>{p.text}</strong>;
          case "code":
            return <code key={i}>{p.text}</code>;
          case "value":
            return <CopyValue key={i} value={values[p.name]} label={VALUE_LABEL[p.name]} />;
        }
      })}
    </>
  );
}

/** A guide's intro and numbered steps with this organization's values filled in. */
export function GuideSteps({ guide, values }: { guide: Guide; values: GuideValues }) {
  return (
    <div className="guide">
      {guide.intro.map((parts, i) => (
        <p key={i}>
          <Inlines parts={parts} values={values} />
        </p>
      ))}
      <ol className="guide-steps">
        {guide.steps.map((parts, i) => (
          <li key={i}>
            <Inlines parts={parts} values={values} />
          </li>
        ))}
      </ol>
    </div>
  );
}
