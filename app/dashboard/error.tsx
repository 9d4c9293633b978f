"use client";

// A page that failed to load: say so, offer a retry, and show the digest the server log carries.
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-6 dark:border-red-800 dark:bg-red-950">
      <h1 className="text-lg font-semibold">This page could not be loaded</h1>
      <p className="mt-1 text-sm">
        Try again; if it keeps failing, the server log has the details{error.digest ? ` (reference ${error.digest})` : ""}.
      </p>
      <button onClick={reset} className="mt-4 rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white">
        Try again
      </button>
    </div>
  );
}
