import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runAdminCommand } from "@/lib/admin/run-admin-command";

const exec = promisify(execFile);

describe("credit packs (operator data)", () => {
  it("billing pack create / list / archive through the real CLI, one JSON object each", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fg-packs-"));
    const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_DATA_DIR: dir, LOG_LEVEL: "error" };
    delete env.DATABASE_URL;
    const admin = async (...args: string[]) =>
      JSON.parse(
        (
          await exec(path.resolve("node_modules/.bin/tsx"), ["--conditions=react-server", "scripts/admin.ts", ...args], {
            env,
            timeout: 120_000,
          })
        ).stdout,
      );
    const pack = await admin("billing", "pack", "create", "--name", "Starter", "--credits", "100000", "--price-cents", "1000");
    expect(pack).toMatchObject({ name: "Starter", credits: 100000, price_cents: 1000, currency: "usd", archived: false });
    expect(pack.pack_id).toMatch(/^pack_[a-z0-9]{24}$/);
    expect(await admin("billing", "pack", "archive", "--pack", pack.pack_id)).toMatchObject({ pack_id: pack.pack_id, archived: true });
    expect((await admin("billing", "pack", "list", "--all")).packs).toMatchObject([{ pack_id: pack.pack_id, archived: true }]);
  }, 180_000);

  it("list shows packs on sale; an archived pack leaves it (and --all keeps it)", async () => {
    const pack = (await runAdminCommand(["billing", "pack", "create", "--name", "Team", "--credits", "10", "--price-cents", "100"])) as {
      pack_id: string;
    };
    const ids = async (...extra: string[]) =>
      ((await runAdminCommand(["billing", "pack", "list", ...extra])).packs as Array<{ pack_id: string }>).map((p) => p.pack_id);
    expect(await ids()).toContain(pack.pack_id);
    await runAdminCommand(["billing", "pack", "archive", "--pack", pack.pack_id]);
    expect(await ids()).not.toContain(pack.pack_id);
    expect(await ids("--all")).toContain(pack.pack_id);
  });

  it.each([
    [["--name", "", "--credits", "10", "--price-cents", "100"], /--name is required/],
    [["--name", "x", "--credits", "0", "--price-cents", "100"], /credits must be an integer from 1/],
    [["--name", "x", "--credits", "1.5", "--price-cents", "100"], /--credits must be an integer/],
    [["--name", "x", "--credits", "10", "--price-cents", "100000000"], /price must be an integer number of cents from 1 to 99999999/],
    [["--name", "x", "--credits", "10", "--price-cents", "100", "--currency", "dollars"], /three-letter ISO 4217/],
  ])("refuses a bad pack: %j", async (args, message) => {
    await expect(runAdminCommand(["billing", "pack", "create", ...args])).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(message),
    });
  });

  it("an unknown pack cannot be archived; a currency is stored lowercase", async () => {
    await expect(runAdminCommand(["billing", "pack", "archive", "--pack", "pack_nope"])).rejects.toMatchObject({ code: "not_found" });
    expect(
      await runAdminCommand(["billing", "pack", "create", "--name", "Euro", "--credits", "5", "--price-cents", "500", "--currency", "EUR"]),
    ).toMatchObject({ currency: "eur" });
  });
});
