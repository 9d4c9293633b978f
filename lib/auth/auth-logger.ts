import type { BetterAuthOptions } from "better-auth";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";

/**
 * better-auth's own log lines (a failed query with its parameters, a refused origin, a rate-limit
 * warning) go through our logger: JSON lines at LOG_LEVEL, secrets and query parameters masked,
 * instead of its console output.
 */
export function authLogger(): NonNullable<BetterAuthOptions["logger"]> {
  const level = getEnv().LOG_LEVEL;
  return {
    disabled: level === "silent",
    level: level === "silent" ? "error" : level,
    log: (lvl, message, ...args) => {
      const err = args.find((a) => a instanceof Error);
      const details = args.filter((a) => a !== err);
      logger[lvl](`better-auth: ${message}`, { ...(err ? { err } : {}), ...(details.length ? { details } : {}) });
    },
  };
}
