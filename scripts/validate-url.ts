import { type ValidationReport } from "../app/validators/index.js";
import type { ParsedArgs } from "./validate-document.js";

export async function validateUrl(_args: ParsedArgs): Promise<ValidationReport> {
  throw new Error("URL validation needs the SSRF-safe fetcher");
}
