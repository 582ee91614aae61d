import { useEffect, useState } from "react";

function utcText(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * A timestamp in the viewer's own time zone, with UTC on hover (the title). The server does not
 * know the viewer's zone, so the page first renders UTC (server and first client render agree, so
 * hydration matches) and switches to local time once it runs in the browser.
 */
export function Time({ value }: { value: string }) {
  const d = new Date(value);
  const valid = !Number.isNaN(d.getTime());
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    if (!valid) return;
    setLocal(new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value)));
  }, [value, valid]);
  if (!valid) return <time>{value}</time>;
  const utc = utcText(d);
  return (
    <time dateTime={value} title={utc}>
      {local ?? utc}
    </time>
  );
}
