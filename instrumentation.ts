// Runs once per server process before it takes requests: starts tracing when an OTLP endpoint is
// configured (lib/telemetry), then opens (and migrates) the database now, so the first request
// does not pay PGlite's multi-second start.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startTracing } = await import("./lib/telemetry/start-tracing");
    await startTracing();
    const { boot } = await import("./lib/server/boot");
    await boot();
  }
}
