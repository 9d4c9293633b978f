import { pipeResponse } from "@/lib/bench-routes";

export const dynamic = "force-dynamic";

// POST /api/bench/pipe – the bare Next pipe of the upstream's bytes, for `npm run bench` (404 unless FLOWGATE_BENCH_ROUTES=1)
export const POST = (req: Request) => pipeResponse(req);
