import { z } from "zod";
import { getDb } from "@/db";
import { listRuns } from "@/db/queries/runs";
import { RUN_STATUSES } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { serializeRun } from "./get-run";

export const listRunsQuery = z.object({
  workflow_id: z.string().max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

const encodeCursor = (c: { createdAt: Date; id: string }) => Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString("base64url");
function decodeCursor(s: string) {
  const [at, id] = Buffer.from(s, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || Number.isNaN(createdAt.getTime())) throw new AppError("invalid_request", "cursor is not one this API returned");
  return { createdAt, id };
}

/** GET /api/v1/runs — the org's runs, newest first; `next_cursor` fetches the next page. */
export async function listRunsForApi(orgId: string, searchParams: URLSearchParams) {
  const parsed = listRunsQuery.safeParse(Object.fromEntries(searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("invalid_request", `${issue.path.join(".")}: ${issue.message}`);
  }
  const q = parsed.data;
  const rows = await listRuns(await getDb(), {
    orgId, workflowId: q.workflow_id, status: q.status, limit: q.limit + 1, after: q.cursor ? decodeCursor(q.cursor) : undefined,
  });
  const page = rows.slice(0, q.limit);
  return {
    success: true as const,
    runs: page.map(serializeRun),
    next_cursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null,
  };
}
