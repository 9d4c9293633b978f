import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// PostgreSQL connections killed server-side (pg_terminate_backend) while runs are streaming. Only
// meaningful on a real PostgreSQL server (the embedded database has no backends to kill), so
// vitest.config.ts runs this file only when DATABASE_URL is set.
describe("PostgreSQL connections killed mid-run", () => {
  it("runs in flight still finish, settle once and leave the ledger exact", async () => {
    const fake = await upstream();
    fake.set({ tokens: 20, tokenDelayMs: 25 });
    const f = await createFixture({ model: "openai.chat:m", credits: 100_000 });
    try {
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { story: "x" } }),
        ),
      );
      const db = await getDb();
      // Every connection of the app's pool but the one asking.
      const killed = await db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      const texts = await Promise.all(responses.map((r) => r.text()));
      expect(texts.every((t) => t.length > 0)).toBe(true);
      for (const r of responses) {
        const runId = r.headers.get("x-run-id")!;
        let run = await getRun(db, { orgId: f.orgId, runId });
        for (let i = 0; i < 100 && run?.status === "running"; i++) {
          await new Promise((res) => setTimeout(res, 50));
          run = await getRun(db, { orgId: f.orgId, runId });
        }
        expect(run).toMatchObject({ status: "completed", outputTokens: 20 });
        expect(run!.creditsCharged).toBe(run!.totalTokens);
      }
      const balance = (await getOrg(db, f.orgId))!.creditBalance;
      expect(await sumLedger(db, f.orgId)).toBe(balance);
      expect(JSON.stringify(killed)).toContain("true");
    } finally {
      fake.reset();
    }
  });
});
