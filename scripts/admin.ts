// `npm run admin -- …`: operator CLI. Prints one JSON object on stdout; errors go to stderr, exit 1;
// a result carrying `exit_code` (failing eval cases) exits with it.
import { closeDb } from "@/db";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { isAppError } from "@/lib/errors";

try {
  const out = await runAdminCommand(process.argv.slice(2));
  process.stdout.write(JSON.stringify(out) + "\n");
  await closeDb();
  // A command whose result is a failure CI must see (an eval with failing cases) says so.
  if (typeof out.exit_code === "number") process.exitCode = out.exit_code;
} catch (e) {
  const message = isAppError(e) ? e.message : e instanceof Error ? e.message : String(e);
  process.stderr.write(`error: ${message}\n`);
  await closeDb().catch(() => {});
  process.exit(1);
}
