import { floorResponse } from "@/lib/bench-routes";

export const dynamic = "force-dynamic";

// GET /api/bench/floor – the framework floor for `npm run bench` (404 unless FLOWGATE_BENCH_ROUTES=1)
export const GET = () => floorResponse();
