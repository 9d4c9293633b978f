import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

// Pages only: the public API (/api/**) never passes through here, so the hot path pays nothing.
// Dashboard pages need a session cookie (the pages re-check the session and membership: a cookie
// is not proof).
export function proxy(req: NextRequest) {
  if (req.nextUrl.pathname.startsWith("/dashboard") && !getSessionCookie(req)) {
    return NextResponse.redirect(new URL("/sign-in", req.url));
  }
  const res = NextResponse.next();
  res.headers.set("x-frame-options", "DENY");
  res.headers.set("x-content-type-options", "nosniff");
  res.headers.set("referrer-policy", "strict-origin-when-cross-origin");
  return res;
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
