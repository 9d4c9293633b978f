// The multi-instance suite runs the production build: build it first when it is missing or older
// than the sources (the suite's own servers start in its test files).
import path from "node:path";
import { buildIfStale } from "../../scripts/build-if-stale";

export default async function setup() {
  const ms = await buildIfStale(path.resolve(import.meta.dirname, "../.."));
  if (ms !== null) console.log(`[multi] next build took ${Math.round(ms / 1000)} s`);
}
