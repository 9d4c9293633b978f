export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/playground/:workflow_id – the dashboard's playground: runs the saved draft for a signed-in member
export { playgroundRun as POST } from "@/lib/api/endpoints/streaming";
