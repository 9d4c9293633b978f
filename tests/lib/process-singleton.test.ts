import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const tsx = path.resolve("node_modules/.bin/tsx");
const mod = (p: string) => JSON.stringify(path.resolve(p));

// Process-wide values (the database, the auth instance, the limiter, …) are created once and
// shared by every Next bundle. A creation that fails must be forgotten, as the database handle
// always was: the auth instance kept its rejected promise, so a database that was down for the
// dashboard's first request left sign-in failing until a restart while the API recovered.
describe("process singletons", () => {
  it("the dashboard's auth recovers once the database is back (a failed creation is not kept)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fg-singleton-"));
    const script = path.join(dir, "auth-retry.mts");
    writeFileSync(
      script,
      [
        `import { getAuth } from ${mod("lib/auth/auth.ts")};`,
        `import { resetEnvForTests } from ${mod("lib/env.ts")};`,
        `import { closeDb } from ${mod("db/index.ts")};`,
        // Nothing listens on port 1: the first attempt fails fast, like a database that is down.
        `process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:1/none";`,
        `const first = await getAuth().then(() => "ok", () => "failed");`,
        `delete process.env.DATABASE_URL; process.env.FLOWGATE_DATA_DIR = "memory://"; resetEnvForTests();`,
        `const second = await getAuth().then(() => "ok", (e) => "failed: " + e.message);`,
        `console.log(JSON.stringify({ first, second }));`,
        `await closeDb();`,
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "silent" };
    delete env.DATABASE_URL;
    const { stdout } = await exec(tsx, ["--conditions=react-server", script], { env, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ first: "failed", second: "ok" });
  }, 90_000);
});
