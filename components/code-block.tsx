"use client";

import { CopyButton } from "./copy-button";

/** A copy-ready code sample: the text is selectable as a whole, and a button copies it. */
export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
  return (
    <div className="relative">
      <pre data-testid={testId} className="overflow-x-auto rounded-md bg-neutral-100 p-3 pr-20 text-xs dark:bg-neutral-900">
        <code>{code}</code>
      </pre>
      <div className="absolute right-2 top-2">
        <CopyButton text={code} ariaLabel={`Copy ${label}`} />
      </div>
    </div>
  );
}
