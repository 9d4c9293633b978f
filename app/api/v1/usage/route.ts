export const dynamic = "force-dynamic";

// GET /api/v1/usage – tokens, credits and runs per end user, key or workflow
export { usage as GET } from "@/lib/api/endpoints/org";
