/** A timestamp rendered the same on server and client (UTC, no locale), so hydration matches. */
export function Time({ value }: { value: string }) {
  const d = new Date(value);
  const text = Number.isNaN(d.getTime()) ? value : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return <time dateTime={value}>{text}</time>;
}
