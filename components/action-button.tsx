"use client";

import type { ComponentProps } from "react";
import { Button } from "./ui";
import { useAction, type ActionResult } from "./use-action";

/**
 * A button that runs one server action as every dashboard button does (`useAction`): asks
 * `confirm` first when given, toasts `ok` or the error, then refreshes the page.
 */
export function ActionButton({
  action,
  confirm,
  ok,
  ...button
}: Omit<ComponentProps<typeof Button>, "onClick" | "type"> & { action: () => Promise<ActionResult>; confirm?: string; ok: string }) {
  const run = useAction();
  return <Button type="button" {...button} onClick={() => run(action, { confirm, ok })} />;
}
