import { checkHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

// GET /api/health – 200 when the database (and Redis, when configured) is reachable, else 503
export const GET = () => checkHealth();
