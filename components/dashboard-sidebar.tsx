"use client";

import { useState, type ReactNode } from "react";

/**
 * The dashboard's navigation. From the md breakpoint up it is a fixed column beside the page; on a
 * phone it would take the whole width, so it folds behind a menu button in a top bar and opens as
 * a panel over the page (following a link closes it).
 */
export function DashboardSidebar({ title, children }: { title: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <header className="sticky top-0 z-30 flex h-12 items-center justify-between border-b border-neutral-200 bg-neutral-50 px-4 md:hidden dark:border-neutral-800 dark:bg-neutral-950">
        <p className="text-lg font-semibold">{title}</p>
        <button
          type="button"
          aria-controls="dashboard-sidebar"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
          className="rounded-md border border-neutral-300 px-3 py-1.5 text-sm font-medium dark:border-neutral-700"
        >
          {open ? "Close" : "Menu"}
        </button>
      </header>
      <aside
        id="dashboard-sidebar"
        onClick={(e) => {
          if ((e.target as HTMLElement).closest("a")) setOpen(false);
        }}
        className={`${open ? "block" : "hidden"} fixed inset-x-0 top-12 bottom-0 z-20 overflow-y-auto border-neutral-200 bg-neutral-50 p-4 shadow-lg
          md:static md:block md:w-56 md:shrink-0 md:border-r md:shadow-none dark:border-neutral-800 dark:bg-neutral-950`}
      >
        <p className="hidden text-lg font-semibold md:block">{title}</p>
        {children}
      </aside>
    </>
  );
}
