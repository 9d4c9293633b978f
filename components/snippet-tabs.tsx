"use client";

import { useState } from "react";
import { CodeBlock } from "./code-block";

export function SnippetTabs({ snippets }: { snippets: Array<{ id: string; label: string; code: string }> }) {
  const [active, setActive] = useState(snippets[0]?.id);
  const s = snippets.find((x) => x.id === active) ?? snippets[0];
  if (!s) return null;
  return (
    <div>
      <div role="tablist" aria-label="Code snippets" className="mb-2 flex flex-wrap gap-1">
        {snippets.map((x) => (
          <button
            key={x.id}
            role="tab"
            aria-selected={x.id === s.id}
            onClick={() => setActive(x.id)}
            className={`rounded-md px-2.5 py-1 text-xs ${x.id === s.id ? "bg-indigo-600 text-white" : "bg-neutral-100 text-neutral-700 dark:bg-neutral-800 dark:text-neutral-200"}`}
          >
            {x.label}
          </button>
        ))}
      </div>
      <CodeBlock code={s.code} label={s.label} testId={`snippet-${s.id}`} />
    </div>
  );
}
