// Runs before every test file, in the single test process (see vitest.config.ts). Everything here
// is idempotent: the database and the fake upstream are opened once and shared.
import { afterAll, beforeAll } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "./support/openai-upstream";

const g = globalThis as unknown as { __testUpstream?: Promise<FakeOpenAI> };

// The model upstream is the only stand-in: an OpenAI-compatible HTTP server spoken to through the
// real @ai-sdk/openai provider. Started before env is first parsed so OPENAI_BASE_URL points at it.
g.__testUpstream ??= startFakeOpenAI().then((fake) => {
  process.env.OPENAI_BASE_URL = fake.url;
  process.env.OPENAI_API_KEY = "test-provider-key-not-secret";
  return fake;
});

if (!process.env.DATABASE_URL) process.env.FLOWGATE_DATA_DIR = "memory://";
process.env.LOG_LEVEL ??= "error";
process.env.RATE_LIMIT_PER_MINUTE ??= "100000";
process.env.DEFAULT_MODEL ??= "offline:echo";

// Once per run: the first file pays for opening and migrating the database, which on a busy
// machine takes longer than one hook's usual bound (hookTimeout in vitest.config.ts).
beforeAll(async () => {
  await g.__testUpstream;
  const { getDb } = await import("@/db");
  await getDb();
}, 300_000);

afterAll(async () => {
  (await g.__testUpstream)?.reset();
  // A file that makes the fake upstream fail opens its provider's breaker; the next file starts closed.
  const { resetBreakersForTests } = await import("@/lib/llm/circuit-breaker");
  resetBreakersForTests();
});

export async function upstream(): Promise<FakeOpenAI> {
  return (await g.__testUpstream)!;
}
