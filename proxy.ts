import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "@/lib/env";

// Pages only: the public API (/api/**) never passes through here, so the hot path pays nothing.
// Dashboard pages need a login cookie (the pages re-check the login and membership: a cookie
// is not proof).
export function proxy(req: NextRequest) {
  if ((req.nextUrl.pathname.startsWith("/dashboard") || req.nextUrl.pathname.startsWith("/account")) && !getSessionCookie(req)) {
    return NextResponse.redirect(new URL("/sign-in", req.url));
  }
  // A fresh nonce per page: Next reads it from the request's CSP header and puts it on its own
  // scripts (framework, chunks, the inline flight data); the root layout puts it on the theme
  // script. Any other script — one injected through an XSS — does not run.
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce);
  const headers = new Headers(req.headers);
  headers.set("content-security-policy", csp);
  headers.set("x-nonce", nonce);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("content-security-policy", csp);
  res.headers.set("x-frame-options", "DENY");
  res.headers.set("x-content-type-options", "nosniff");
  res.headers.set("referrer-policy", "strict-origin-when-cross-origin");
  return res;
}

/** Same-origin everything; scripts only with this page's nonce (and what they load: strict-dynamic). */
export function contentSecurityPolicy(nonce: string): string {
  // React's development build evaluates code for its error overlays; production never does.
  const dev = getEnv().NODE_ENV === "development" ? " 'unsafe-eval'" : "";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      // A prefetch renders no HTML of its own: no nonce to mint.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
