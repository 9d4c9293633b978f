// Preloaded into the server by `bench/profile.ts` in allocation mode (`node --import …`): V8's
// sampling heap profiler, counting objects the GC has already collected too (what a request
// allocates, not what it keeps). The first SIGUSR2 starts sampling, the second writes the profile
// to $ALLOC_PROFILE_FILE. ALLOC_PROMOTED=1 leaves out what a scavenge collected: what is left is
// what outlived the young generation (promoted, then kept or collected by a full collection).
import { Session } from "node:inspector/promises";
import { renameSync, writeFileSync } from "node:fs";

const session = new Session();
session.connect();
let sampling = false;
process.on("SIGUSR2", async () => {
  if (!sampling) {
    sampling = true;
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.ALLOC_PROMOTED !== "1",
    });
    return;
  }
  const { profile } = await session.post("HeapProfiler.stopSampling");
  // Written whole, then renamed: the bench waits for the file to appear.
  writeFileSync(`${process.env.ALLOC_PROFILE_FILE}.tmp`, JSON.stringify(profile));
  renameSync(`${process.env.ALLOC_PROFILE_FILE}.tmp`, process.env.ALLOC_PROFILE_FILE);
});
