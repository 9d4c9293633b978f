import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import journal from "@/db/migrations/meta/_journal.json";

// Instances of a rolling deploy start together: each migrates at start (db/index.ts), under an
// advisory lock, so exactly one applies the migrations and the rest find nothing left to do.
// PostgreSQL only (vitest.config.ts): the embedded database has one process by construction.

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe("migrations on a fresh PostgreSQL database", () => {
  it("six processes starting at once: all start, every migration applied once", async () => {
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const name = `fg_migrate_${Date.now()}_${process.pid}`;
    await admin.unsafe(`create database ${name}`);
    try {
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      const env = { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: "error" };
      const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          exec(process.execPath, [tsx, "--conditions=react-server", "scripts/db-migrate.ts"], { cwd: ROOT, env, timeout: 90_000 }),
        ),
      );
      const failed = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason).slice(0, 500));
      expect(failed).toEqual([]);
      const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        const [row] = await db`select count(*)::int as n, count(distinct hash)::int as distinct_n from drizzle.__drizzle_migrations`;
        expect(row).toEqual({ n: journal.entries.length, distinct_n: journal.entries.length });
      } finally {
        await db.end();
      }
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 120_000);
});
