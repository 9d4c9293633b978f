// Fails when a vitest JSON report (--reporter=json) lists a skipped or todo test: in CI a test that
// did not run is a test that did not pass (README, Development). A test that a project leaves out
// by its `include`/`exclude` (the PGlite run's PostgreSQL-only files) is never collected, so it is
// not in the report. Plain JS: runs on whatever Node CI has before `npm ci`.
import { readFileSync } from "node:fs";

let bad = 0;
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const notRun = report.testResults.flatMap((m) =>
    m.assertionResults.filter((t) => t.status !== "passed" && t.status !== "failed").map((t) => `${m.name}: ${t.fullName} (${t.status})`),
  );
  for (const line of notRun) console.error(`not run: ${line}`);
  console.log(`${file}: ${report.numTotalTests} tests, ${report.numPassedTests} passed, ${notRun.length} not run`);
  bad += notRun.length;
}
if (bad > 0) {
  console.error(`${bad} test(s) skipped or todo: install what they need, or delete them.`);
  process.exit(1);
}
