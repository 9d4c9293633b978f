import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A bad FLOWGATE_PROVIDERS stops the server at start (lib/boot.ts), in a real process: exit code 1
// and the problem on stderr. Each case of the check is tested in-process in providers.test.ts.
// In the slow test project (vitest.config.ts).

// The child opens its own embedded database: it must not touch (nor sweep the runs of) a shared PostgreSQL.
function withoutDatabase(env: NodeJS.ProcessEnv) {
  const { DATABASE_URL: _, ...rest } = env;
  return rest;
}

describe("a bad FLOWGATE_PROVIDERS stops the server at start", () => {
  const boot = (value: string) =>
    spawnSync(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", path.join(import.meta.dirname, "../support/boot-child.ts")],
      {
        env: { ...withoutDatabase(process.env), FLOWGATE_PROVIDERS: value, FLOWGATE_DATA_DIR: "memory://", LOG_LEVEL: "silent" },
        // A start compiles the server modules (tsx) and opens a database: minutes on a busy machine.
        encoding: "utf8",
        timeout: 150_000,
      },
    );

  it("an unknown field: exit 1, the problem on stderr, never booted", () => {
    const r = boot('{"groq":{"base_url":"https://api.groq.com/openai/v1","apikey":"k"}}');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^flowgate: Invalid configuration: FLOWGATE_PROVIDERS\.groq: Unrecognized key: "apikey"/);
    expect(r.stdout).not.toContain("booted");
  }, 180_000);

  it("a valid one starts", () => {
    const r = boot('{"groq":{"base_url":"https://api.groq.com/openai/v1","api_key":"k"}}');
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 180_000);
});
