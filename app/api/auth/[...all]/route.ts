import { handleAuthRequest } from "@/lib/api/better-auth-routes";

export const dynamic = "force-dynamic";

// GET|POST /api/auth/* – better-auth, limited to what the dashboard uses (sign-up, sign-in,
// sign-out, session, creating and switching organizations)
export const GET = handleAuthRequest;
export const POST = handleAuthRequest;
