import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // `import "server-only"` throws outside a React Server Components build (vercel/next.js#60038);
      // the tests are the server.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    // One process, one embedded Postgres: PGlite takes seconds to boot and has no cross-process
    // lock, so every test file shares the instance opened in tests/setup.ts. Tests isolate
    // themselves by creating their own org (all data is tenant-scoped).
    pool: "forks",
    fileParallelism: false,
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          setupFiles: ["./tests/setup.ts"],
          include: ["tests/**/*.test.ts", "lib/**/*.test.ts"],
          // db-faults kills PostgreSQL server backends: it belongs to the PostgreSQL run only.
          exclude: ["tests/e2e/**", "tests/soak/**", "tests/multi/**", ...(process.env.DATABASE_URL ? [] : ["tests/reliability/db-faults.test.ts", "tests/reliability/migrate-together.test.ts"])],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Against the production build (`next start`) in real headless Chromium; builds first when
        // the sources are newer than .next. Runs after the unit project, not beside it.
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["./tests/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
      // `npm run test:multi` only (MULTI=1), on PostgreSQL and Redis: three production servers behind
      // HAProxy (tests/multi). Each file boots its own cluster; the whole suite stays under 4 minutes.
      ...(process.env.MULTI && process.env.DATABASE_URL && process.env.REDIS_URL
        ? [{
            extends: true as const,
            test: {
              name: "multi",
              include: ["tests/multi/**/*.test.ts"],
              globalSetup: ["./tests/multi/global-setup.ts"],
              testTimeout: 120_000,
              hookTimeout: 300_000,
            },
          }]
        : []),
      // `npm run test:soak` only (ten minutes of mixed load): SOAK=1 adds the project.
      ...(process.env.SOAK
        ? [{
            extends: true as const,
            test: {
              name: "soak",
              include: ["tests/soak/**/*.test.ts"],
              globalSetup: ["./tests/e2e/global-setup.ts"],
              testTimeout: 30 * 60_000,
              hookTimeout: 300_000,
            },
          }]
        : []),
    ],
  },
});
