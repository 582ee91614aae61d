/** The validation report frozen with a change: its findings in words, as the customer saw them. */
interface Finding {
  code: string;
  message: string;
  fix: string;
}

export interface ReportView {
  verdict: "ok" | "warn" | "error";
  errors: Finding[];
  warnings: Finding[];
}

export function reportView(report: unknown): ReportView {
  const r = (report ?? {}) as Partial<ReportView>;
  const list = (v: unknown): Finding[] =>
    Array.isArray(v)
      ? v
          .filter(
            (f): f is Finding => Boolean(f) && typeof f === "object" && typeof (f as Finding).message === "string",
          )
          .map((f) => ({ code: String(f.code ?? ""), message: f.message, fix: String(f.fix ?? "") }))
      : [];
  return {
    verdict: r.verdict === "warn" || r.verdict === "error" ? r.verdict : "ok",
    errors: list(r.errors),
    warnings: list(r.warnings),
  };
}

export function ChangeReport({ report }: { report: ReportView }) {
  const findings = [
    ...report.errors.map((f) => ({ ...f, tone: "error" })),
    ...report.warnings.map((f) => ({ ...f, tone: "warn" })),
  ];
  if (findings.length === 0) return <p className="notice ok">Every check passed.</p>;
  return (
    <ul className="findings">
      {findings.map((f, i) => (
        <li key={`${f.code}-${i}`} className={`notice ${f.tone}`}>
          <strong>{f.message}</strong>
          {f.fix ? <p className="hint">{f.fix}</p> : null}
        </li>
      ))}
    </ul>
  );
}
