import { AppError } from "@/lib/errors";
import type { ApiKeyPrincipal, VersionPin } from "./api-keys";
import type { Principal } from "./principal";

// What a caller may see: a key's (or stream token's) restrictions — its workflows and browser
// origins — applied where they matter. Another workflow is "not found" for a restricted key,
// exactly like another org's: nothing about it leaks.

/** A caller as far as what it may see goes: a key, a stream token, a dashboard user ({ orgId } alone: the whole org). */
export type Viewer = Pick<Principal, "orgId"> & { keyId?: string | null } & Partial<
    Pick<ApiKeyPrincipal, "restrictions" | "endUser" | "viaToken">
  >;

/** The workflows a caller may see (runs, sessions, usage); null → all of its org's. */
export function visibleWorkflows(principal: Viewer): string[] | null {
  return principal.keyId ? (principal.restrictions?.workflowIds ?? null) : null;
}

/**
 * A run (or a session turn) a caller may see: within its workflows; and for a stream token — a
 * browser's credential — only the runs of its own key and end user (a token minted for mallory
 * cannot replay or continue alice's). Keys are server credentials and see the whole org.
 */
export function runVisibleTo(principal: Viewer, run: { workflowId: string; apiKeyId: string | null; endUser: string | null }): boolean {
  const allowed = visibleWorkflows(principal);
  if (allowed && !allowed.includes(run.workflowId)) return false;
  if (principal.keyId && principal.viaToken) return run.apiKeyId === principal.keyId && run.endUser === (principal.endUser ?? null);
  return true;
}

export function assertWorkflowVisible(principal: Principal, workflowId: string) {
  const allowed = visibleWorkflows(principal);
  if (allowed && !allowed.includes(workflowId)) throw new AppError("workflow_not_found");
}

/**
 * How the call names its version. A key names it freely; a stream token runs the version its key
 * fixed at mint (README, "Scoped keys and tokens") — a browser that names another (`?version=2`,
 * `?label=`, `model: wf_…@2`, `prompt.version`) would pick its own A/B arm, so that is a 403
 * unless it names exactly the minted one.
 */
export function versionPinOf(principal: Principal, asked: VersionPin): VersionPin {
  if (!principal.viaToken) return asked;
  const pin = principal.pin ?? {};
  if ((asked.version === undefined && asked.label === undefined) || (asked.version === pin.version && asked.label === pin.label))
    return pin;
  const minted =
    pin.version !== undefined ? `version ${pin.version}` : pin.label !== undefined ? `label ${pin.label}` : "what unpinned calls run";
  throw new AppError("forbidden", `This stream token runs ${minted}: it cannot choose another version (mint it with ?version= or ?label=)`);
}

/**
 * A key with allowed origins may only be used from those browser origins: another origin gets a
 * 403 and no CORS grant, so neither its request runs nor its page reads the answer. Requests
 * without an Origin header (servers, curl) are not browsers and pass.
 * Returns the origin to grant, when the key restricts origins.
 */
export function checkOrigin(req: Request, principal: Principal): string | null {
  const allowed = principal.keyId ? principal.restrictions?.allowedOrigins : null;
  if (!allowed) return null;
  const origin = req.headers.get("origin");
  if (origin === null) return null;
  if (!allowed.includes(origin)) throw new AppError("forbidden", "This key may not be used from this origin");
  return origin;
}
