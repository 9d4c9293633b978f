// `npm run admin -- …`: operator CLI. Prints one JSON object on stdout; errors go to stderr, exit 1.
import { closeDb } from "@/db";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { isAppError } from "@/lib/errors";

try {
  const out = await runAdminCommand(process.argv.slice(2));
  process.stdout.write(JSON.stringify(out) + "\n");
  await closeDb();
} catch (e) {
  const message = isAppError(e) ? e.message : e instanceof Error ? e.message : String(e);
  process.stderr.write(`error: ${message}\n`);
  await closeDb().catch(() => {});
  process.exit(1);
}
