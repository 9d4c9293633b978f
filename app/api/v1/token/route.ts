import { apiRoute } from "@/lib/api/route";
import { parseTtl } from "@/lib/stream-tokens/parse-ttl";
import { mintStreamToken } from "@/lib/stream-tokens/stream-tokens";

export const dynamic = "force-dynamic";

// GET /api/v1/token?ttl=60[&user=] – a single-use stream token for browsers (seed)
export const GET = apiRoute({ auth: "apiKey" }, async ({ req, ctx }) => {
  const q = new URL(req.url).searchParams;
  return mintStreamToken(ctx.principal!, parseTtl(q.get("ttl")), q.get("user"));
});
