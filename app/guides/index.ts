import {
  IDENTITY_PROVIDERS,
  IDP_IDS,
  type AttributeMapping,
  type IdpId,
} from "~/services/connections/identity-providers";
import type { ServiceProviderValues } from "~/services/connections/service-provider";

/**
 * Per-IdP setup guides. Each is a Markdown file in this folder (front matter `idp`, `title`,
 * `console`; an intro paragraph; numbered steps in that IdP's own admin-console words) that people
 * who are not engineers can review and edit. Inside the text: **bold** for what the IdP's console
 * shows, `code` for literal values, and {{placeholder}} for this organization's own values, which
 * the wizard fills in and shows with a copy button. Unknown placeholders fail at load.
 */

export const PLACEHOLDERS = [
  "appName",
  "acsUrl",
  "acsUrlPattern",
  "entityId",
  "metadataUrl",
  "nameIdFormat",
  "redirectUri",
  "scopes",
  "loginUrl",
  "attr.email",
  "attr.givenName",
  "attr.familyName",
  "attr.groups",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type GuideValues = Record<Placeholder, string>;

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "strong"; text: string }
  | { kind: "code"; text: string }
  | { kind: "value"; name: Placeholder };

export interface Guide {
  idp: IdpId;
  title: string;
  console: string;
  intro: Inline[][];
  steps: Inline[][];
}

const TOKEN = /(\*\*[^*]+\*\*|`[^`]+`|\{\{\s*[\w.]+\s*\}\})/;

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

export function parseInline(text: string, file: string): Inline[] {
  const out: Inline[] = [];
  for (const part of text.split(TOKEN)) {
    if (!part) continue;
    if (part.startsWith("**") && part.endsWith("**")) out.push({ kind: "strong", text: part.slice(2, -2) });
    else if (part.startsWith("`") && part.endsWith("`")) out.push({ kind: "code", text: part.slice(1, -1) });
    else if (part.startsWith("{{")) {
      const name = part.slice(2, -2).trim();
      if (!isPlaceholder(name)) throw new Error(`${file}: unknown placeholder {{${name}}}`);
      out.push({ kind: "value", name });
    } else out.push({ kind: "text", text: part });
  }
  return out;
}

export function parseGuide(source: string, file: string): Guide {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(source.replace(/\r\n/g, "\n"));
  if (!match) throw new Error(`${file}: no front matter (--- … ---) at the top`);
  const meta: Record<string, string> = {};
  for (const line of match[1]!.split("\n")) {
    const kv = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (kv) meta[kv[1]!] = kv[2]!.trim();
  }
  const idp = meta.idp;
  if (!idp || !(IDP_IDS as readonly string[]).includes(idp))
    throw new Error(`${file}: front matter idp "${idp}" is not a known IdP`);
  if (!meta.title || !meta.console) throw new Error(`${file}: front matter needs a title and a console`);
  const intro: Inline[][] = [];
  const steps: Inline[][] = [];
  for (const block of match[2]!.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => l.trim());
    let current: string[] | null = null;
    const flush = () => {
      if (current) steps.push(parseInline(current.join(" "), file));
    };
    for (const line of lines) {
      const step = /^\d+\.\s+(.*)$/.exec(line);
      if (step) {
        flush();
        current = [step[1]!];
      } else if (current) current.push(line.trim());
      else intro.push(parseInline(line.trim(), file));
    }
    flush();
  }
  if (steps.length === 0) throw new Error(`${file}: no numbered steps`);
  return { idp: idp as IdpId, title: meta.title, console: meta.console, intro, steps };
}

const files = import.meta.glob<string>("./*.md", { query: "?raw", import: "default", eager: true });

const guides = new Map<IdpId, Guide>();
for (const [path, source] of Object.entries(files)) {
  const guide = parseGuide(source, path);
  guides.set(guide.idp, guide);
}

export function guideFor(idp: IdpId): Guide {
  const guide = guides.get(idp);
  if (!guide) throw new Error(`No guide for ${idp} in app/guides.`);
  return guide;
}

/** A URL as a regular expression matching exactly it (OneLogin's "ACS URL Validator"). */
function exactPattern(url: string): string {
  return `^${url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`;
}

/** The values a guide shows, for one organization, IdP and attribute mapping. */
export function guideValues(
  sp: ServiceProviderValues,
  idp: IdpId,
  mapping: AttributeMapping,
  appName: string,
): GuideValues {
  const defaults = IDENTITY_PROVIDERS[idp].attributes;
  return {
    appName,
    acsUrl: sp.saml.acsUrl,
    acsUrlPattern: exactPattern(sp.saml.acsUrl),
    entityId: sp.saml.entityId,
    metadataUrl: sp.saml.metadataUrl,
    nameIdFormat: IDENTITY_PROVIDERS[idp].nameIdFormat ?? IDENTITY_PROVIDERS.saml.nameIdFormat!,
    redirectUri: sp.oidc.redirectUri,
    scopes: sp.oidc.scopes,
    loginUrl: sp.oidc.loginUrl,
    // A field left empty in the mapping still reads sensibly in the guide: the IdP's default name.
    "attr.email": mapping.email || defaults.email,
    "attr.givenName": mapping.givenName || defaults.givenName,
    "attr.familyName": mapping.familyName || defaults.familyName,
    "attr.groups": mapping.groups || defaults.groups,
  };
}
