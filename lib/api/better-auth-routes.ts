import { AppError } from "@/lib/errors";
import { errorResponse } from "./respond";
import { newId } from "@/lib/ids";
import { getAuth } from "@/lib/auth/auth";

// The better-auth endpoints the dashboard and its mail links use, and nothing else. Its organization plugin also
// serves member, invitation and deletion endpoints; ours (server actions) keep the invariants —
// the last owner, the audit log, our org row and its keys — so theirs must not be reachable.
const ALLOWED = new Set([
  "GET /get-session",
  "POST /sign-up/email",
  "POST /sign-in/email",
  "POST /sign-out",
  "POST /organization/create",
  "POST /organization/set-active",
  "POST /request-password-reset",
  "POST /reset-password",
  "GET /verify-email",
  "POST /send-verification-email",
  "POST /change-email",
  // Not /list-sessions nor /revoke-session: they hand every session's token to the browser (the
  // account page lists sessions server-side, without tokens).
  "POST /revoke-sessions",
  "POST /revoke-other-sessions",
  "POST /two-factor/enable",
  "POST /two-factor/disable",
  "POST /two-factor/verify-totp",
  "POST /two-factor/verify-backup-code",
  "POST /two-factor/generate-backup-codes",
  "POST /delete-user",
]);

export async function handleAuthRequest(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname.replace(/^\/api\/auth/, "");
  if (!ALLOWED.has(`${req.method} ${path}`)) {
    return errorResponse(new AppError("not_found"), newId.request(), new Headers({ "cache-control": "no-store" }));
  }
  return (await getAuth()).handler(req);
}
