import { CopyButton } from "./copy-button";

/** A secret the server returned once (an API key, a webhook signing secret): copy it now or never. */
export function ShownOnce({ what, secret, testId }: { what: string; secret: string; testId: string }) {
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950">
      <p className="font-medium">Copy this {what} now: it is shown only once.</p>
      <div className="mt-2 flex gap-2">
        <code data-testid={testId} className="flex-1 break-all rounded bg-white px-2 py-1 dark:bg-neutral-900">
          {secret}
        </code>
        <CopyButton text={secret} />
      </div>
    </div>
  );
}
