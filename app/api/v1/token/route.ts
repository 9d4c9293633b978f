import { apiRoute } from "@/lib/api/route";
import { parseMaxCredits, parseTtl } from "@/lib/stream-tokens/parse-ttl";
import { mintStreamToken } from "@/lib/stream-tokens/stream-tokens";

export const dynamic = "force-dynamic";

// GET /api/v1/token?ttl=60[&user=][&workflow_id=][&max_credits=] – a single-use stream token for
// browsers (seed), with the key's scope, optionally narrowed
export const GET = apiRoute({ auth: "apiKey" }, async ({ req, ctx }) => {
  const q = new URL(req.url).searchParams;
  return mintStreamToken(ctx.principal!, parseTtl(q.get("ttl")), q.get("user"), {
    workflowId: q.get("workflow_id"), maxCredits: parseMaxCredits(q.get("max_credits")),
  });
});
