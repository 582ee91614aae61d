import { useEffect, useRef, useState } from "react";

/**
 * A value to paste somewhere else, with a copy button and a visible, announced confirmation. The
 * value is always selectable text; the button appears once JavaScript runs (without it the
 * clipboard cannot be reached, and a dead button would mislead).
 */
export function CopyValue({ value, label }: { value: string; label: string }) {
  const [ready, setReady] = useState(false);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    setReady(true);
    return () => clearTimeout(timer.current);
  }, []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopied(null), 4000);
  }
  return (
    <span className="copy-value">
      <code>{value}</code>
      {ready ? (
        <button type="button" className="copy-button" onClick={copy}>
          Copy<span className="visually-hidden"> {label}</span>
        </button>
      ) : null}
      <span role="status" className={copied ? "copy-status shown" : "copy-status"}>
        {copied === "yes" ? "Copied" : copied === "failed" ? "Select the text and copy it" : ""}
      </span>
    </span>
  );
}
