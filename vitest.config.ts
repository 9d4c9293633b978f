import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The slow project: tests that spawn a process (the CLIs, a server start, curl, python,
// redis-server) or open a database of their own. Everything else is the unit project, the loop to
// run while developing (`npm run test:unit`, README Development); `npm test` runs both.
const SLOW = [
  "tests/lib/admin-cli.test.ts", // the operator CLI and the first-run seed, each a child process
  "tests/lib/process-singleton.test.ts",
  "tests/lib/trusted-proxy.test.ts",
  "tests/lib/direct-routes.test.ts",
  "tests/api/providers-boot.test.ts",
  "tests/api/openapi-reference.test.ts", // curl, bash and python3 run the reference's snippets
  "tests/api/stream-curl.test.ts",
  "tests/api/run-bus-redis.test.ts", // redis-server, unless REDIS_URL
  "tests/api/resume-redis-down.test.ts", // a private redis-server, killed mid-test
  "tests/api/resume-followers.test.ts",
  "tests/lib/ratelimit-backends.test.ts",
  "tests/lib/opening-grants-migration.test.ts", // a private PGlite per migration test
  "tests/lib/labels-migration.test.ts",
  "tests/reliability/crash.test.ts",
  "tests/reliability/async-crash.test.ts",
  "tests/reliability/migrate-together.test.ts",
  "tests/reliability/db-faults.test.ts",
];
// db-faults kills PostgreSQL server backends, migrate-together migrates one PostgreSQL database
// from six processes, lock-order holds a row lock in one transaction while another writes and
// settlement-plan reads how a prepared statement's plan scanned a table:
// they belong to the PostgreSQL run only.
const POSTGRES_ONLY = [
  "tests/reliability/db-faults.test.ts",
  "tests/reliability/migrate-together.test.ts",
  "tests/reliability/lock-order.test.ts",
  "tests/reliability/settlement-plan.test.ts",
];
const notOnThisDatabase = process.env.DATABASE_URL ? [] : POSTGRES_ONLY;

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
          exclude: ["tests/e2e/**", "tests/soak/**", "tests/multi/**", ...SLOW, ...notOnThisDatabase],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // After the unit project, in a process of its own (the same setup: one shared database).
        extends: true,
        test: {
          name: "slow",
          setupFiles: ["./tests/setup.ts"],
          include: SLOW.filter((f) => !notOnThisDatabase.includes(f)),
          testTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Against the production build (`next start`) in real headless Chromium; builds first when
        // the sources are newer than .next. Runs after the unit and slow projects, not beside them.
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["./tests/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 2 },
        },
      },
      // `npm run test:multi` only (MULTI=1), on PostgreSQL and Redis: three production servers behind
      // HAProxy (tests/multi). Each file boots its own cluster; the whole suite stays under 4 minutes.
      ...(process.env.MULTI && process.env.DATABASE_URL && process.env.REDIS_URL
        ? [
            {
              extends: true as const,
              test: {
                name: "multi",
                include: ["tests/multi/**/*.test.ts"],
                globalSetup: ["./tests/multi/global-setup.ts"],
                testTimeout: 120_000,
                hookTimeout: 300_000,
              },
            },
          ]
        : []),
      // `npm run test:soak` only (ten minutes of mixed load): SOAK=1 adds the project.
      ...(process.env.SOAK
        ? [
            {
              extends: true as const,
              test: {
                name: "soak",
                include: ["tests/soak/**/*.test.ts"],
                globalSetup: ["./tests/e2e/global-setup.ts"],
                testTimeout: 30 * 60_000,
                hookTimeout: 300_000,
              },
            },
          ]
        : []),
    ],
  },
});
