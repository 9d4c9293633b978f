// Small labels of the operator console: an org's status and its billing flags.

export function StatusBadge({ suspended, reason }: { suspended: boolean; reason?: string | null }) {
  return suspended ? (
    <span
      className="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
      title={reason ?? undefined}
    >
      suspended
    </span>
  ) : (
    <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
      active
    </span>
  );
}

export function FlagBadge({ label }: { label: string }) {
  return (
    <span className="inline-block rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">
      {label}
    </span>
  );
}
