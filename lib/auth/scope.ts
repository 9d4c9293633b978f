import { AppError } from "@/lib/errors";
import type { Principal } from "./principal";

// Enforcing a key's (or stream token's) scope at the points where it matters. Another workflow
// is "not found" for a scoped key, exactly like another org's: nothing about it leaks.

/** The workflows a caller may see (runs, sessions, usage); null → all of its org's. */
export function visibleWorkflows(principal: Principal): string[] | null {
  return principal.keyId ? (principal.scope?.workflowIds ?? null) : null;
}

export function assertWorkflowInScope(principal: Principal, workflowId: string) {
  const allowed = visibleWorkflows(principal);
  if (allowed && !allowed.includes(workflowId)) throw new AppError("workflow_not_found");
}

/**
 * A key with allowed origins may only be used from those browser origins: another origin gets a
 * 403 and no CORS grant, so neither its request runs nor its page reads the answer. Requests
 * without an Origin header (servers, curl) are not browsers and pass.
 * Returns the origin to grant, when the key restricts origins.
 */
export function checkOrigin(req: Request, principal: Principal): string | null {
  const allowed = principal.keyId ? principal.scope?.allowedOrigins : null;
  if (!allowed) return null;
  const origin = req.headers.get("origin");
  if (origin === null) return null;
  if (!allowed.includes(origin)) throw new AppError("forbidden", "This key may not be used from this origin");
  return origin;
}
