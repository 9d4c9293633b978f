// A server start in a child process (tests of what stops it): the same boot() the instrumentation hook runs.
import { boot } from "@/lib/server/boot";

await boot();
process.stdout.write("booted\n");
process.exit(0);
