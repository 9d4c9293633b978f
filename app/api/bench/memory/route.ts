import { memoryResponse } from "@/lib/bench-routes";

export const dynamic = "force-dynamic";

// GET /api/bench/memory – the server's memory breakdown for `npm run bench` (404 unless FLOWGATE_BENCH_ROUTES=1)
export const GET = (req: Request) => memoryResponse(req);
