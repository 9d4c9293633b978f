import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite ships a WASM Postgres and `postgres` opens raw sockets: both must be loaded from
  // node_modules at runtime, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "redis"],
  poweredByHeader: false,
  // API answers are data, never a document to sniff into HTML or script (pages get theirs, with
  // the rest of their security headers, from proxy.ts, which /api/** does not pass through).
  headers: async () => [{ source: "/api/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] }],
};

export default nextConfig;
