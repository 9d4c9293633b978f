import { sql, TransactionRollbackError } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db";
import { finalizeRunWithSettlement, finalizeRunsWithSettlement, type RunFinish } from "@/db/queries/run-ledger";
import { newId } from "@/lib/ids";
import { reserveRun, type StartedRun } from "@/lib/runs/reserve-run";
import { createFixture, preparePublished } from "../support/fixtures";

// The settlements are prepared statements: PostgreSQL keeps the generic plan it made on their first
// executions for the connection's life, and plans again only when a table's statistics change
// (autovacuum's work). Planned while `runs` held a few rows, the batch joined it by a hash join
// over a sequential scan, and the single settlement looked its run up through the status index;
// without autovacuum both plans stayed as the table grew (db/queries/run-ledger.ts, runById;
// bench/README.md, round 17). Here each statement is planned generically at once
// (plan_cache_mode) on copies of the tables holding a handful of rows, never analyzed, and the
// transaction's own table counters say how it read `runs`. PostgreSQL only (vitest.config.ts):
// PGlite neither keeps plans across connections nor counts scans per transaction.

const TABLES = ["orgs", "runs", "credit_ledger", "api_keys", "budget_usage", "jobs", "webhook_endpoints"];

const finish = (runId: string): RunFinish => ({
  runId,
  ledgerId: newId.ledger(),
  status: "completed",
  cost: 3,
  output: "ok",
  citations: [],
  inputTokens: 2,
  outputTokens: 1,
  errorCode: null,
  errorMessage: null,
  firstTokenMs: 1,
  latencyMs: 2,
});

describe("the settlements' prepared plans", () => {
  it("find each run by its primary key, even when planned on a table of a few rows", async () => {
    const f = await createFixture({ template: "{{story}}" });
    const started: StartedRun[] = [];
    for (let i = 0; i < 12; i++)
      started.push(await reserveRun(await preparePublished(f, { story: "x" }), { source: "api", protocol: "json", apiKeyId: f.keyId }));

    const client = postgres(process.env.DATABASE_URL!, {
      max: 1,
      onnotice: () => {},
      connection: { plan_cache_mode: "force_generic_plan" },
    });
    const db = drizzle({ client }) as unknown as Db;
    try {
      await db
        .transaction(async (tx) => {
          // Copies that shadow the tables for this transaction (pg_temp comes first in the search path).
          for (const t of TABLES) await tx.execute(sql.raw(`CREATE TEMP TABLE ${t} (LIKE public.${t} INCLUDING ALL) ON COMMIT DROP`));
          await tx.execute(sql`INSERT INTO pg_temp.orgs SELECT * FROM public.orgs WHERE id = ${f.orgId}`);
          await tx.execute(sql`INSERT INTO pg_temp.runs SELECT * FROM public.runs WHERE org_id = ${f.orgId}`);
          const reads = async () => {
            // postgres-js: an array of rows.
            const [row] = (await tx.execute(
              sql`SELECT seq_scan, idx_tup_fetch FROM pg_stat_xact_all_tables WHERE relid = 'pg_temp.runs'::regclass`,
            )) as unknown as { seq_scan: string; idx_tup_fetch: string }[];
            return { seq: Number(row!.seq_scan), fetched: Number(row!.idx_tup_fetch) };
          };

          const before = await reads();
          const one = await finalizeRunWithSettlement(tx, finish(started[0]!.id));
          expect(one).toMatchObject({ charged: 3 });
          const afterOne = await reads();
          // Its run and the row it updates: not every running run through the status index.
          expect(afterOne.seq - before.seq).toBe(0);
          expect(afterOne.fetched - before.fetched).toBeLessThanOrEqual(2);

          const batch = await finalizeRunsWithSettlement(tx, [finish(started[2]!.id), finish(started[1]!.id)]);
          expect([...batch.keys()].sort()).toEqual([started[1]!.id, started[2]!.id].sort());
          const afterBatch = await reads();
          expect(afterBatch.seq - afterOne.seq).toBe(0);
          expect(afterBatch.fetched - afterOne.fetched).toBeLessThanOrEqual(4);

          // A run already settled is not settled again (its status is tested after the lookup).
          expect(await finalizeRunWithSettlement(tx, finish(started[0]!.id))).toBeNull();
          expect((await finalizeRunsWithSettlement(tx, [finish(started[1]!.id), finish(started[3]!.id)])).size).toBe(1);
          tx.rollback();
        })
        .catch((e: unknown) => {
          // drizzle's rollback() ends the transaction by throwing.
          if (!(e instanceof TransactionRollbackError)) throw e;
        });
    } finally {
      await client.end();
    }
  });
});
