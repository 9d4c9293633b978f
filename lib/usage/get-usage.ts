import "server-only";
import { getDb } from "@/db";
import { sumUsage } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import type { z } from "zod";
import type { usageQuery, UsageResponse } from "./schemas";

/** GET /api/v1/usage — tokens, credits and runs per end user, key or workflow (default: the last 30 days). */
export async function getUsage(orgId: string, q: z.output<typeof usageQuery>, workflowIds: string[] | null = null): Promise<UsageResponse> {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * 86400_000);
  if (!(from < to)) throw new AppError("invalid_request", "from must be before to");
  const rows = await sumUsage(await getDb(), { orgId, groupBy: q.group_by, from, to, workflowIds });
  const groups = rows.map((r) => ({
    [q.group_by]: r.group,
    runs: r.runs,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    total_tokens: r.inputTokens + r.outputTokens,
    credits: Number(r.credits),
  }));
  const sum = (k: "runs" | "total_tokens" | "credits") => groups.reduce((a, g) => a + (g[k] as number), 0);
  return {
    success: true as const,
    group_by: q.group_by,
    from: from.toISOString(),
    to: to.toISOString(),
    groups,
    totals: { runs: sum("runs"), total_tokens: sum("total_tokens"), credits: sum("credits") },
  };
}
