import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // `node .next/standalone/server.js` runs the app with only the files it needs (docs/deploy.md).
  // `next start` still works on this build (it prints a warning that it prefers server.js).
  output: "standalone",
  // PGlite ships a WASM Postgres and `postgres` opens raw sockets: both must be loaded from
  // node_modules at runtime, not bundled. The OpenTelemetry SDK registers process-wide globals
  // that Next's own tracer (which requires @opentelemetry/api from node_modules) must share.
  // re2js is required by the regex worker threads (lib/evals/regex-pool.ts) from node_modules.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "postgres",
    "redis",
    "re2js",
    "@opentelemetry/api",
    "@opentelemetry/context-async-hooks",
    "@opentelemetry/core",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    "@opentelemetry/sdk-trace",
  ],
  // npm start's preload (scripts/next-start.ts), for the standalone server too: `node --import
  // ./scripts/trusted-proxy.mjs server.js` (docs/deploy.md) settles the client address and serves
  // the direct routes (scripts/direct-routes.mjs). Not imported by the app, so traced by name.
  outputFileTracingIncludes: { "/api/**": ["./scripts/trusted-proxy.mjs", "./scripts/direct-routes.mjs"] },
  poweredByHeader: false,
  // Type checking is CI's job (`npm run typecheck` in .ci/run), not the start path's: `npm start`
  // on a fresh clone builds first, and the build's own check was a quarter of that wait.
  typescript: { ignoreBuildErrors: true },
  // API answers are data, never a document to sniff into HTML or script (pages get theirs, with
  // the rest of their security headers, from proxy.ts, which /api/** does not pass through).
  headers: async () => [{ source: "/api/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] }],
};

export default nextConfig;
