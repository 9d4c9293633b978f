import { diffLines } from "@/lib/workflows/diff-lines";

/** A line diff of two texts (versions against the draft, one eval's output against another's). */
export function LineDiff({ label, before, after }: { label: string; before: string; after: string }) {
  if (before === after) return null;
  return (
    <div className="mt-2">
      <p className="text-xs font-medium">{label}</p>
      <pre className="overflow-x-auto rounded bg-neutral-50 p-2 text-xs dark:bg-neutral-900">
        {diffLines(before, after).map((l, i) => (
          <div
            key={i}
            className={
              l.op === "add"
                ? "bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200"
                : l.op === "del"
                  ? "bg-red-100 text-red-900 line-through dark:bg-red-950 dark:text-red-200"
                  : ""
            }
          >
            {l.op === "add" ? "+ " : l.op === "del" ? "- " : "  "}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}
