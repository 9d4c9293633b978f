// Runs once per server process before it takes requests: opens (and migrates) the database now,
// so the first request does not pay PGlite's multi-second start.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { boot } = await import("./lib/boot");
    await boot();
  }
}
