import { NextResponse, type NextRequest } from "next/server";

// Pages only: the public API (/api/**) never passes through here, so the hot path pays nothing.
// The dashboard's session gate lives here too once accounts exist.
export function proxy(_req: NextRequest) {
  const res = NextResponse.next();
  res.headers.set("x-frame-options", "DENY");
  res.headers.set("x-content-type-options", "nosniff");
  res.headers.set("referrer-policy", "strict-origin-when-cross-origin");
  return res;
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
