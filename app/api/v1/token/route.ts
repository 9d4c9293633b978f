import { apiRoute } from "@/lib/api/route";
import { mintTokenQuery } from "@/lib/stream-tokens/schemas";
import { mintStreamToken } from "@/lib/stream-tokens/stream-tokens";
import { parseInputOrThrow, searchParamsOf } from "@/lib/validation/parse-input";

export const dynamic = "force-dynamic";

// GET /api/v1/token?ttl=60[&user=][&workflow_id=][&max_credits=] – a single-use stream token for
// browsers (seed), with the key's scope, optionally narrowed
export const GET = apiRoute({ auth: "apiKey" }, async ({ req, ctx }) => {
  const q = parseInputOrThrow(mintTokenQuery, searchParamsOf(req));
  return mintStreamToken(ctx.principal!, q.ttl, q.user ?? null, { workflowId: q.workflow_id ?? null, maxCredits: q.max_credits ?? null });
});
