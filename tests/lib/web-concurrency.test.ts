import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import { workerCount } from "../../scripts/next-start";

// `npm start`'s process count (scripts/next-start.ts): one per core on shared services, one
// otherwise, and a clear refusal of more than one process where state would be per process.
describe("WEB_CONCURRENCY", () => {
  const shared = { DATABASE_URL: "postgres://x/db", REDIS_URL: "redis://x" };
  it("defaults to one process per core on PostgreSQL with Redis (or Upstash), one otherwise", () => {
    expect(workerCount(shared)).toBe(availableParallelism());
    expect(workerCount({ DATABASE_URL: "postgres://x/db", UPSTASH_REDIS_REST_URL: "https://u", UPSTASH_REDIS_REST_TOKEN: "t" })).toBe(
      availableParallelism(),
    );
    expect(workerCount({})).toBe(1);
    expect(workerCount({ DATABASE_URL: "postgres://x/db" })).toBe(1);
    expect(workerCount({ REDIS_URL: "redis://x" })).toBe(1);
  });
  it("takes an explicit count, and 1 anywhere", () => {
    expect(workerCount({ ...shared, WEB_CONCURRENCY: "3" })).toBe(3);
    expect(workerCount({ WEB_CONCURRENCY: "1" })).toBe(1);
  });
  it("refuses more than one process on the embedded database or without a shared Redis, and malformed counts", () => {
    expect(() => workerCount({ WEB_CONCURRENCY: "2" })).toThrow(/needs DATABASE_URL .* and REDIS_URL/);
    expect(() => workerCount({ DATABASE_URL: "postgres://x/db", WEB_CONCURRENCY: "2" })).toThrow(/REDIS_URL/);
    for (const bad of ["0", "-1", "two", "1.5", "1000", " 2"])
      expect(() => workerCount({ ...shared, WEB_CONCURRENCY: bad }), bad).toThrow(/WEB_CONCURRENCY must be/);
  });
});
