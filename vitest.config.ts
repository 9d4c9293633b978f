import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    // One process, one embedded Postgres: PGlite takes seconds to boot and has no cross-process
    // lock, so every test file shares the instance opened in tests/setup.ts. Tests isolate
    // themselves by creating their own org (all data is tenant-scoped).
    pool: "forks",
    fileParallelism: false,
    isolate: false,
    setupFiles: ["./tests/setup.ts"],
    include: ["tests/**/*.test.ts", "lib/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
