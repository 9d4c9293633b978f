import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { apiKeys } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { capPeriodStart } from "@/lib/credits/key-cap";
import { keysPageData } from "@/lib/dashboard/page-data";
import { createOrg } from "@/lib/orgs/create-org";

// "The cap counter belongs to its period": the reservation statement counts a counter written in
// the current period or a later one (another instance, clock ahead, already rolled over) and
// restarts an older one from zero. The keys page showed the counter only when its period was
// exactly the current one, so it showed 0 used for a key the API was refusing.
describe("a key's cap counter and its period", () => {
  async function keyWithCounter(periodStart: Date, capUsed: number) {
    const org = await createOrg({ name: "cap", credits: 1_000 });
    const key = await createApiKey({ orgId: org.org_id, creditCap: 100, creditCapPeriod: "day" });
    await (await getDb()).update(apiKeys).set({ capUsed, capPeriodStart: periodStart }).where(eq(apiKeys.id, key.id));
    const { keys } = await keysPageData(org.org_id);
    return keys.find((k) => k.id === key.id)!;
  }
  const today = capPeriodStart("day");

  it.each([
    { name: "written today: counts", start: today, counter: 40, shown: 40 },
    {
      name: "written in a later period (clock ahead elsewhere): counts",
      start: new Date(today.getTime() + 86_400_000),
      counter: 100,
      shown: 100,
    },
    { name: "written yesterday: a new period starts from zero", start: new Date(today.getTime() - 86_400_000), counter: 70, shown: 0 },
  ])("keys page – $name", async ({ start, counter, shown }) => {
    const key = await keyWithCounter(start, counter);
    expect(key.capUsed).toBe(shown);
  });
});
