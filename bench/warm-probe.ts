// Does a server's realistic-pace first token degrade with the runs it has served, and does a restart
// on the same database reset it? `WP_DIR=<built checkout> WP_DATABASE_URL=… npx tsx bench/warm-probe.ts`
import { runLoad } from "./load";
import { REALISTIC_PACE, directTarget, startFlowgate, startUpstream } from "./servers";
const dir = process.env.WP_DIR!,
  db = process.env.WP_DATABASE_URL;
const { url, control } = await startUpstream();
const realistic = async (fg: Awaited<ReturnType<typeof startFlowgate>>, label: string) => {
  await control(REALISTIC_PACE);
  const d = await runLoad({ mode: "open", target: directTarget(url), rate: Number(process.env.WP_RATE ?? 80), count: 400 });
  const t = await runLoad({ mode: "open", target: fg.targets.text, rate: Number(process.env.WP_RATE ?? 80), count: 400 });
  console.log(
    `${label}: first-token overhead p50 +${(t.firstTokenMs.p50 - d.firstTokenMs.p50).toFixed(1)} p99 +${(t.firstTokenMs.p99 - d.firstTokenMs.p99).toFixed(1)} (${t.requests - t.errors}/${t.requests})`,
  );
};
let fg = await startFlowgate({ upstream: url, dir, databaseUrl: db, port: 3970 });
await realistic(fg, "cold");
await realistic(fg, "cold again");
await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
let n = 0;
for (const t of ["run", "text", "sse", "run", "text", "sse"] as const)
  n += (await runLoad({ mode: "closed", target: fg.targets[t], connections: 50, durationMs: 5000, warmupMs: 0 })).requests;
console.log(`closed-loop runs: ${n}`);
await realistic(fg, "after closed loop");
await new Promise((r) => setTimeout(r, 5000));
await realistic(fg, "after 5 s idle");
fg.server.kill("SIGKILL");
await new Promise((r) => setTimeout(r, 1000));
if (!db) process.exit(0);
fg = await startFlowgate({ upstream: url, dir, databaseUrl: db, port: 3971 });
await realistic(fg, "restarted, same database");
process.exit(0);
