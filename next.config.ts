import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite ships a WASM Postgres and `postgres` opens raw sockets: both must be loaded from
  // node_modules at runtime, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "redis"],
  poweredByHeader: false,
};

export default nextConfig;
