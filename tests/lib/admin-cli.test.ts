import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const tsx = path.resolve("node_modules/.bin/tsx");
// The server modules carry `import "server-only"`, which only the react-server condition resolves
// to its empty build (the same flag as `npm run admin`).
const SERVER = "--conditions=react-server";

/** The real CLI in a child process, on its own embedded database directory. */
function admin(dataDir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_DATA_DIR: dataDir, LOG_LEVEL: "error" };
  delete env.DATABASE_URL;
  return exec(tsx, [SERVER, "scripts/admin.ts", ...args], { env, timeout: 120_000 });
}

// The commands themselves are tested in-process (tests/lib/admin-commands.test.ts); these run the
// real CLI for what only its process shows. They belong to the slow test project (vitest.config.ts).
describe("admin CLI (embedded database)", () => {
  it("prints one JSON object on stdout and keeps its data directory for the next command", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fg-cli-"));
    const created = await admin(dir, "org", "create", "--name", "Acme", "--credits", "100000");
    expect(created.stderr).toBe("");
    expect(created.stdout).toMatch(/^\{.*\}\n$/);
    const org = JSON.parse(created.stdout);
    expect(org.org_id).toMatch(/^org_[a-z0-9]{24}$/);
    const grant = JSON.parse((await admin(dir, "credits", "grant", "--org", org.org_id, "--amount", "5", "--reason", "test grant")).stdout);
    expect(grant.balance).toBe(100005);
    // A negative amount is written --amount=-n (a bare -n would read as an option).
    const removed = JSON.parse(
      (await admin(dir, "credits", "grant", "--org", org.org_id, "--amount=-5", "--reason", "test removal")).stdout,
    );
    expect(removed.balance).toBe(100000);
    const suspended = JSON.parse((await admin(dir, "org", "suspend", "--org", org.org_id, "--reason", "abuse")).stdout);
    expect(suspended).toMatchObject({ suspended: true, reason: "abuse" });
  }, 480_000);

  it("refuses a data directory that a running process holds, with a clear message", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fg-cli-"));
    // Alive for longer than the CLI can take to start on a busy machine (it is killed below).
    const holder = spawn("sleep", ["600"]);
    try {
      writeFileSync(path.join(dir, "pglite.lock"), String(holder.pid));
      const err = await admin(dir, "org", "create", "--name", "X").then(
        () => null,
        (e) => e,
      );
      expect(err).not.toBeNull();
      expect(err.code).toBe(1);
      expect(err.stderr).toMatch(/^error: /);
      expect(err.stderr).toContain(`in use by another process (pid ${holder.pid})`);
      expect(err.stdout).toBe("");
    } finally {
      holder.kill();
    }
  }, 180_000);
});

describe("first run", () => {
  it("seeds a demo org, workflow and key on an empty embedded database, saved 0600", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fg-seed-"));
    const script = path.join(dir, "boot-once.mts");
    writeFileSync(
      script,
      `import { boot } from ${JSON.stringify(path.resolve("lib/server/boot.ts"))};\nimport { closeDb } from ${JSON.stringify(path.resolve("db/index.ts"))};\nawait boot();\nawait closeDb();\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_DATA_DIR: dir, LOG_LEVEL: "error", PORT: "3999" };
    delete env.DATABASE_URL;
    const { stdout } = await exec(tsx, [SERVER, script], { env, timeout: 60_000 });
    const demo = JSON.parse(readFileSync(path.join(dir, "demo.json"), "utf8"));
    expect(statSync(path.join(dir, "demo.json")).mode & 0o777).toBe(0o600);
    expect(demo.api_key).toMatch(/^sk_[a-z0-9]{32}$/);
    expect(stdout).toContain(demo.api_key);
    expect(stdout).toContain(`http://localhost:3999/api/v1/run/${demo.workflow_id}`);
    // A second boot on the same directory does not seed or print again.
    const again = await exec(tsx, [SERVER, script], { env, timeout: 60_000 });
    expect(again.stdout).not.toContain("sk_");
  }, 120_000);
});
