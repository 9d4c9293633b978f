import "server-only";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type { ExtractTablesWithRelations, SQL } from "drizzle-orm";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { processSingleton, replaceProcessSingleton } from "@/lib/process-singleton";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Query functions accept either the database or an open transaction. */
export type DbOrTx = Db | Tx;

type Handle = { db: Db; background: Db; kind: "pglite" | "postgres"; close: () => Promise<void> };

// One database handle per process (lib/process-singleton.ts): two PGlite instances on one data
// directory silently lose writes. A failed open is forgotten, so the next use tries again.
const handle = () => processSingleton("db", open);

export const MIGRATIONS_DIR = path.join(process.cwd(), "db", "migrations");

export function getDb(): Promise<Db> {
  return handle().then((h) => h.db);
}

/**
 * The database for work no request is waiting to start on: settlements, run heartbeats and
 * progress, the orphan sweeper, the job queue. On PostgreSQL it is a pool of its own
 * (BACKGROUND_POOL_MAX connections): postgres-js pipelines a query onto a busy connection once all
 * are busy, so a reservation — on the way to a stream's first token — would otherwise queue behind
 * a settlement waiting for its org's row lock, or behind a progress update of every running run.
 * On PGlite (one connection) it is the same handle.
 */
export function getBackgroundDb(): Promise<Db> {
  return handle().then((h) => h.background);
}

/** Connections of each instance's pools on PostgreSQL (docs/deploy.md counts them). */
export const POOL_MAX = 10;
export const BACKGROUND_POOL_MAX = 3;

type PgJsClient = { unsafe(query: string, params: unknown[], opts: { prepare: boolean }): Promise<Record<string, unknown>[]> };

/**
 * db.execute() for a statement of constant text run on every request: on PostgreSQL it is sent as
 * a named prepared statement (postgres-js keeps one per connection, keyed by the text), so after
 * the first use a run's reservation or settlement travels as a few hundred bytes of Bind/Execute
 * instead of its whole CTE, and PostgreSQL skips parsing and planning it again. Drizzle prepares
 * only builder queries given a name; db.execute() always sends the full text. On PGlite it is
 * db.execute(). Returns the rows either way. Only for statements whose text never varies (one
 * prepared statement per distinct text and connection).
 */
export async function executePrepared(db: DbOrTx, query: SQL): Promise<Record<string, unknown>[]> {
  const d = db as unknown as {
    $client?: PgJsClient;
    session?: { client?: PgJsClient };
    dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
  };
  // The database's client, or a transaction's reserved connection.
  const client = d.$client ?? d.session?.client;
  if (client && typeof client.unsafe === "function") {
    const q = d.dialect.sqlToQuery(query);
    return client.unsafe(q.sql, q.params, { prepare: true });
  }
  const result = await db.execute(query);
  // PGlite returns a { rows } object, postgres-js an array of rows.
  return Array.isArray(result) ? result : ((result as { rows?: Record<string, unknown>[] }).rows ?? []);
}

export async function getDbKind(): Promise<Handle["kind"]> {
  return (await handle()).kind;
}

export async function closeDb() {
  const h = replaceProcessSingleton<Promise<Handle>>("db", undefined);
  if (h) await (await h).close();
}

async function open(): Promise<Handle> {
  const env = getEnv();
  if (env.DATABASE_URL) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(env.DATABASE_URL, { max: POOL_MAX, onnotice: () => {}, connect_timeout: 10 });
    const db = drizzle({ client, schema }) as unknown as Db;
    await migrateUnderLock(client, db);
    // Connects on first use, like the main pool.
    const bgClient = postgres(env.DATABASE_URL, { max: BACKGROUND_POOL_MAX, onnotice: () => {}, connect_timeout: 10 });
    const background = drizzle({ client: bgClient, schema }) as unknown as Db;
    return {
      db,
      background,
      kind: "postgres",
      close: () => Promise.all([client.end({ timeout: 5 }), bgClient.end({ timeout: 5 })]).then(() => {}),
    };
  }
  const dataDir = env.FLOWGATE_DATA_DIR;
  const memory = dataDir.startsWith("memory://");
  const releaseLock = memory ? () => {} : acquireDataDirLock(dataDir);
  try {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const client = memory ? new PGlite() : new PGlite(path.join(dataDir, "pglite"));
    await client.waitReady;
    const db = drizzle({ client, schema }) as unknown as Db;
    await migrateDb(db, "pglite");
    return {
      db,
      background: db,
      kind: "pglite",
      close: async () => {
        await client.close();
        releaseLock();
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

/** pg_advisory_lock's key for migrations: any fixed 64-bit number no other code locks. */
const MIGRATION_LOCK = 7_146_875_400_133_921n;

/**
 * Instances that start together (a rolling deploy, a scaled-out fleet) must not migrate at once:
 * the first to take the lock migrates, the others wait for it and then find nothing left to do.
 * Held on one reserved connection, so the lock and its release travel together.
 */
async function migrateUnderLock(client: import("postgres").Sql, db: Db) {
  const conn = await client.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    try {
      await migrateDb(db, "postgres");
    } finally {
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK.toString()}::bigint)`;
    }
  } finally {
    conn.release();
  }
}

async function migrateDb(db: Db, kind: Handle["kind"]) {
  const cfg = { migrationsFolder: MIGRATIONS_DIR };
  if (kind === "postgres") {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(db as never, cfg);
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(db as never, cfg);
  }
}

// PGlite has no lock of its own: a second process on the same directory corrupts it quietly.
// A pid file makes the second opener (a CLI while the server runs, or a second server) refuse.
function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, "pglite.lock");
  if (existsSync(lockPath)) {
    const pid = Number(readFileSync(lockPath, "utf8").trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new AppError(
        "service_unavailable",
        `The embedded database in ${path.resolve(dataDir)} is in use by another process (pid ${pid}), ` +
          "probably a running server. Stop it first, or set DATABASE_URL to use PostgreSQL, which allows many processes.",
      );
    }
  }
  writeFileSync(lockPath, String(process.pid));
  const release = () => {
    try {
      if (readFileSync(lockPath, "utf8").trim() === String(process.pid)) rmSync(lockPath);
    } catch {
      /* already gone */
    }
  };
  process.once("exit", release);
  return release;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
