"use client";

import { useEffect, useState } from "react";

type Theme = "system" | "light" | "dark";

/** Light, dark, or the system's; the choice is kept in this browser. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>("system");
  useEffect(() => setTheme((localStorage.getItem("theme") as Theme | null) ?? "system"), []);
  function choose(t: Theme) {
    setTheme(t);
    if (t === "system") localStorage.removeItem("theme");
    else localStorage.setItem("theme", t);
    const dark = t === "dark" || (t === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.classList.toggle("dark", dark);
  }
  return (
    <select
      aria-label="Theme"
      value={theme}
      onChange={(e) => choose(e.target.value as Theme)}
      className="w-full rounded-md border border-neutral-300 bg-white px-2 py-1 text-xs dark:border-neutral-700 dark:bg-neutral-900"
    >
      <option value="system">Theme: system</option>
      <option value="light">Theme: light</option>
      <option value="dark">Theme: dark</option>
    </select>
  );
}
