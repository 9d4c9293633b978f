import "server-only";
import { and, asc, eq, isNull } from "drizzle-orm";
import { getDb } from "@/db";
import { creditPacks, type CreditPack } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isId, newId } from "@/lib/ids";

// Credit packs are operator data (`npm run admin -- billing pack …`): what an org can buy, at a
// price in one currency. A purchase copies the pack's credits and price when it starts, so a pack
// may be archived (never edited in place) without changing what anyone bought.

/** Stripe's largest unit_amount (eight digits) and a generous bound on a pack's credits. */
const MAX_PRICE_CENTS = 99_999_999;
const MAX_CREDITS = 1_000_000_000_000;

export type PackView = {
  pack_id: string;
  name: string;
  credits: number;
  price_cents: number;
  currency: string;
  archived: boolean;
  created_at: string;
};

export const packView = (p: CreditPack): PackView => ({
  pack_id: p.id,
  name: p.name,
  credits: p.credits,
  price_cents: p.priceCents,
  currency: p.currency,
  archived: p.archivedAt !== null,
  created_at: p.createdAt.toISOString(),
});

export async function createPack({
  name,
  credits,
  priceCents,
  currency = "usd",
}: {
  name: string;
  credits: number;
  priceCents: number;
  currency?: string;
}): Promise<PackView> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100) throw new AppError("invalid_request", "name must be 1 to 100 characters");
  if (!Number.isSafeInteger(credits) || credits < 1 || credits > MAX_CREDITS)
    throw new AppError("invalid_request", `credits must be an integer from 1 to ${MAX_CREDITS}`);
  if (!Number.isSafeInteger(priceCents) || priceCents < 1 || priceCents > MAX_PRICE_CENTS)
    throw new AppError("invalid_request", `price must be an integer number of cents from 1 to ${MAX_PRICE_CENTS}`);
  const cur = currency.toLowerCase();
  if (!/^[a-z]{3}$/.test(cur)) throw new AppError("invalid_request", "currency must be a three-letter ISO 4217 code, e.g. usd");
  const db = await getDb();
  const [row] = await db
    .insert(creditPacks)
    .values({ id: newId.creditPack(), name: trimmed, credits, priceCents, currency: cur })
    .returning();
  return packView(row!);
}

/** Packs on sale (or all of them, archived included), cheapest first. */
export async function listPacks({ includeArchived = false } = {}): Promise<PackView[]> {
  const db = await getDb();
  const rows = await db
    .select()
    .from(creditPacks)
    .where(includeArchived ? undefined : isNull(creditPacks.archivedAt))
    .orderBy(asc(creditPacks.currency), asc(creditPacks.priceCents), asc(creditPacks.id));
  return rows.map(packView);
}

export async function archivePack(packId: string): Promise<PackView> {
  if (!isId.creditPack(packId)) throw new AppError("not_found", "Pack not found");
  const db = await getDb();
  const [row] = await db
    .update(creditPacks)
    .set({ archivedAt: new Date() })
    .where(and(eq(creditPacks.id, packId), isNull(creditPacks.archivedAt)))
    .returning();
  if (row) return packView(row);
  const [existing] = await db.select().from(creditPacks).where(eq(creditPacks.id, packId));
  if (!existing) throw new AppError("not_found", "Pack not found");
  return packView(existing); // already archived: archiving again changes nothing
}

/** A pack that can be bought now; archived or unknown → a 404 naming it. */
export async function packOnSale(packId: string): Promise<CreditPack> {
  const notFound = () => new AppError("not_found", `Pack ${JSON.stringify(packId.slice(0, 40))} is not on sale`);
  if (!isId.creditPack(packId)) throw notFound();
  const db = await getDb();
  const [row] = await db
    .select()
    .from(creditPacks)
    .where(and(eq(creditPacks.id, packId), isNull(creditPacks.archivedAt)));
  if (!row) throw notFound();
  return row;
}
