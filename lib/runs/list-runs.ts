import "server-only";
import type { z } from "zod";
import { getDb } from "@/db";
import { listRuns } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { serializeRun } from "./get-run";
import { listRunsQuery, type listRunsResponse } from "./schemas";

const encodeCursor = (c: { createdAt: Date; id: string }) => Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString("base64url");
function decodeCursor(s: string) {
  const [at, id] = Buffer.from(s, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || Number.isNaN(createdAt.getTime())) throw new AppError("invalid_request", "cursor is not one this API returned");
  return { createdAt, id };
}

/** GET /api/v1/runs — the org's runs, newest first; `next_cursor` fetches the next page. */
export async function listRunsForApi(orgId: string, searchParams: URLSearchParams, workflowIds: string[] | null = null): Promise<z.output<typeof listRunsResponse>> {
  // A repeated key: the last value wins here (Object.fromEntries), as it always has on this endpoint.
  const q = parseInputOrThrow(listRunsQuery, Object.fromEntries(searchParams), "labelled");
  const rows = await listRuns(await getDb(), {
    orgId, workflowId: q.workflow_id, status: q.status, workflowIds, limit: q.limit + 1, after: q.cursor ? decodeCursor(q.cursor) : undefined,
  });
  const page = rows.slice(0, q.limit);
  return {
    success: true as const,
    runs: page.map(serializeRun),
    next_cursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null,
  };
}
