import "server-only";
import type { z } from "zod";
import { getDb } from "@/db";
import { listRuns } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { serializeRun } from "./get-run";
import type { listRunsQuery, listRunsResponse } from "./schemas";

const encodeCursor = (c: { createdAt: Date; id: string }) => Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString("base64url");
/** Anything but what encodeCursor wrote (a run id and a real instant) is refused before it reaches a query. */
function decodeCursor(s: string) {
  const [at, id, ...rest] = Buffer.from(s, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  const t = createdAt.getTime();
  if (rest.length || !id || !isId.run(id) || !(t >= 0 && t < Date.UTC(10000, 0, 1)))
    throw new AppError("invalid_request", "cursor is not one this API returned");
  return { createdAt, id };
}

/** GET /api/v1/runs — the org's runs, newest first; `next_cursor` fetches the next page. */
export async function listRunsForApi(
  orgId: string,
  q: z.output<typeof listRunsQuery>,
  workflowIds: string[] | null = null,
): Promise<z.output<typeof listRunsResponse>> {
  const rows = await listRuns(await getDb(), {
    orgId,
    workflowId: q.workflow_id,
    status: q.status,
    workflowIds,
    limit: q.limit + 1,
    after: q.cursor ? decodeCursor(q.cursor) : undefined,
  });
  const page = rows.slice(0, q.limit);
  return {
    success: true as const,
    runs: page.map(serializeRun),
    next_cursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null,
  };
}
