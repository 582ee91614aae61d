import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configurationFromReport } from "~/services/connections/configuration.server";
import { IDENTITY_PROVIDERS } from "~/services/connections/identity-providers";
import type { SubmitInput } from "~/services/change-requests/submit.server";
import { validateDocument } from "~/validators";

/** The real IdP documents in tests/fixtures/idp-documents, as tests and benchmarks submit them. */
export const FIXTURES = join(import.meta.dirname, "../tests/fixtures/idp-documents");
export const fixtureText = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

/** A submission from SAML metadata, judged at `now` (the fixtures' certificates are dated). */
export function samlSubmission(xml: string, now: Date, fileName = "metadata.xml"): SubmitInput {
  const report = validateDocument(xml, { now, kind: "saml-metadata" });
  if (report.verdict === "error") throw new Error("not usable SAML metadata");
  // Expired fixture certificates only warn; a change is judged on what it changes.
  const configuration = configurationFromReport(report, {
    idp: "saml",
    source: { kind: "file", fileName },
    mapping: IDENTITY_PROVIDERS.saml.attributes,
  });
  return { configuration, report };
}
