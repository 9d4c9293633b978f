import { getAuth } from "@/lib/auth/auth";

export const dynamic = "force-dynamic";

// GET|POST /api/auth/* – better-auth (dashboard sign-up, sign-in, sessions, organizations)
export const GET = async (req: Request) => (await getAuth()).handler(req);
export const POST = async (req: Request) => (await getAuth()).handler(req);
