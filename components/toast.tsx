"use client";

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

// Toasts: short confirmations and errors for dashboard mutations, announced to screen readers.

type Toast = { id: number; kind: "ok" | "error"; text: string };
type Api = { ok: (text: string) => void; error: (text: string) => void };

const Ctx = createContext<Api | null>(null);
let next = 0;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((kind: Toast["kind"], text: string) => {
    const id = ++next;
    setToasts((t) => [...t.slice(-3), { id, kind, text }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === "error" ? 8000 : 4000);
  }, []);
  const api = useMemo<Api>(() => ({ ok: (t) => push("ok", t), error: (t) => push("error", t) }), [push]);
  return (
    <Ctx.Provider value={api}>
      {children}
      <div aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-50 flex flex-col gap-2">
        {toasts.map((t) => (
          <p
            key={t.id}
            role={t.kind === "error" ? "alert" : "status"}
            data-testid="toast"
            className={`pointer-events-auto rounded-md px-4 py-2 text-sm shadow-lg ${t.kind === "ok" ? "bg-neutral-900 text-white dark:bg-white dark:text-neutral-900" : "bg-red-600 text-white"}`}
          >
            {t.text}
          </p>
        ))}
      </div>
    </Ctx.Provider>
  );
}

export function useToast(): Api {
  const api = useContext(Ctx);
  if (!api) throw new Error("useToast outside ToastProvider");
  return api;
}
