export const dynamic = "force-dynamic";

// GET /api/health – liveness: the database (and the rate-limit store, when remote) answer
export { health as GET } from "@/lib/api/endpoints/meta";
