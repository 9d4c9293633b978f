import type { BetterAuthPlugin } from "better-auth";
import { getEnv } from "@/lib/env";

// Which browser origins the dashboard's sign-in and sign-up accept. `next start` hands route
// handlers a URL on localhost whatever address the browser used, so the request's own URL cannot
// say: the configured public URL does, and without one, the loopback addresses of PORT (the
// dashboard opened at http://127.0.0.1:3000 is the same dashboard as at http://localhost:3000).

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

export function dashboardOrigins(): string[] {
  const env = getEnv();
  if (env.BETTER_AUTH_URL) return [new URL(env.BETTER_AUTH_URL).origin];
  return LOOPBACK_HOSTS.map((host) => `http://${host}:${env.PORT}`);
}

/** What to tell someone whose browser is at an origin we do not accept: where to go, or what to set. */
export function untrustedOriginMessage(origin: string): string {
  const env = getEnv();
  if (env.BETTER_AUTH_URL) {
    return `Open ${dashboardOrigins()[0]} to sign in: that is this dashboard's address (BETTER_AUTH_URL), not ${origin}.`;
  }
  return (
    `This dashboard is served at http://localhost:${env.PORT} (or 127.0.0.1): open it there, ` +
    `or, to use it at ${origin}, set BETTER_AUTH_URL=${origin} and restart the server.`
  );
}

/**
 * Refuses a state-changing request from a browser at another origin before better-auth does, with
 * a message that says what to do (better-auth's own check stays behind it and answers a bare
 * "Invalid origin"). Requests without an Origin header (servers, curl) are left to better-auth.
 */
export const originGuard = {
  id: "flowgate-origin-guard",
  onRequest: async (request: Request) => {
    const origin = request.headers.get("origin");
    if (request.method === "GET" || !origin || origin === "null" || dashboardOrigins().includes(origin)) return;
    return { response: Response.json({ code: "INVALID_ORIGIN", message: untrustedOriginMessage(origin) }, { status: 403 }) };
  },
} satisfies BetterAuthPlugin;
