import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { MIGRATIONS_DIR } from "@/db";

/** The migration files, in the order they apply. */
export const migrationFiles = () =>
  readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith(".sql"))
    .sort();

/** One migration file on a private PGlite, statement by statement, as drizzle's migrator splits it. */
export async function applyMigration(db: PGlite, file: string) {
  for (const stmt of readFileSync(path.join(MIGRATIONS_DIR, file), "utf8").split("--> statement-breakpoint")) {
    if (stmt.trim()) await db.exec(stmt);
  }
}
