import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { logger, logSink } from "@/lib/logger";

const write = logSink.write;
const level = process.env.LOG_LEVEL;
afterEach(() => {
  logSink.write = write;
  if (level === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = level;
  resetEnvForTests();
});

describe("logger", () => {
  it("logs an error's cause with its code, its query parameters redacted", () => {
    const lines: string[] = [];
    logSink.write = (line) => lines.push(line) > 0;
    process.env.LOG_LEVEL = "warn";
    resetEnvForTests();
    const dbError = Object.assign(new Error("deadlock detected"), { name: "PostgresError", code: "40P01" });
    const err = new Error("Failed query: UPDATE runs SET output = $1\nparams: a secret output", { cause: dbError });
    logger.warn("active-run tick failed", { err });
    const record = JSON.parse(lines[0]!);
    expect(record.err.message).toBe("Failed query: UPDATE runs SET output = $1\nparams: [redacted]");
    expect(record.err.cause).toMatchObject({ name: "PostgresError", message: "deadlock detected", code: "40P01" });
    expect(lines[0]).not.toContain("a secret output");
  });
});
