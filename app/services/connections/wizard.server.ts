import { MAX_DOCUMENT_BYTES } from "~/validators/index";
import { configurationFromReport, desiredStateFor } from "./configuration.server";
import { configurationInput, type SetupState } from "./setup.server";

/**
 * The wizard's two server-side chores beside the setup service: reading an uploaded file within
 * its size limit (said in words, nothing stored when refused), and the preview of the Auth0
 * connection options the draft will hold, with the client secret shown only as stored.
 */

const LIMITS = { metadata: MAX_DOCUMENT_BYTES, certificate: 64 * 1024 } as const;

export type UploadResult =
  { ok: true; file: { fileName: string; text: string } | null } | { ok: false; message: string };

function sizeInWords(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** A file field of a multipart form: null when none was chosen. */
export async function readUpload(value: FormDataEntryValue | null, kind: keyof typeof LIMITS): Promise<UploadResult> {
  if (!value || typeof value === "string" || value.size === 0) return { ok: true, file: null };
  const limit = LIMITS[kind];
  if (value.size > limit) {
    return {
      ok: false,
      message: `The file is ${sizeInWords(value.size)}; a ${kind} file may be at most ${sizeInWords(limit)}. Check that you chose your IdP's ${kind === "metadata" ? "metadata XML" : "signing certificate (.pem, .cer or .crt)"}.`,
    };
  }
  // Only the base name, printable, at most 255 characters: it is shown back and stored.
  const fileName =
    value.name
      .split(/[\\/]/)
      .pop()!
      .replace(/[^\x20-\x7e]/g, "_")
      .slice(0, 255) || `${kind}.xml`;
  return { ok: true, file: { fileName, text: await value.text() } };
}

/** The options a draft of this setup would hold in Auth0 (null while the check has errors). */
export function auth0OptionsPreview(setup: SetupState): Record<string, unknown> | null {
  const { input, report } = setup;
  if (!report || report.verdict === "error" || !input.idp || !input.mapping) return null;
  try {
    const configuration = configurationFromReport(report, configurationInput(input, input.idp, input.mapping));
    const options = desiredStateFor(configuration, { version: 1, displayName: "preview" }).connection.options;
    return options.client_secret ? { ...options, client_secret: "(stored encrypted, never shown)" } : options;
  } catch {
    return null;
  }
}
