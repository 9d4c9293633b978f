"use client";

import { useState } from "react";

/** A copy-ready code sample: the text is selectable as a whole, and a button copies it. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="relative">
      <button
        type="button"
        aria-label={`Copy ${label}`}
        className="absolute right-2 top-2 rounded border border-neutral-300 bg-white px-2 py-0.5 text-xs hover:bg-neutral-50 dark:border-neutral-700 dark:bg-neutral-900"
        onClick={() => navigator.clipboard?.writeText(code).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        })}
      >
        {copied ? "Copied" : "Copy"}
      </button>
      <pre className="overflow-x-auto rounded-md bg-neutral-100 p-3 pr-16 text-xs dark:bg-neutral-900"><code>{code}</code></pre>
    </div>
  );
}
