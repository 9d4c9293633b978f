"use server";

import { z } from "zod";
import { archivePack, createPack } from "@/lib/billing/packs";
import { setModelPrice } from "@/lib/llm/prices";
import { operatorAction } from "@/lib/operator-console/operator-action";
import { adjustOrgCredits, suspendOrg, unsuspendOrg } from "@/lib/operator/org-actions";

// The operator console's mutations: the same library functions as the admin CLI's commands
// (`model price`, `billing pack create|archive`), behind requireOperator (a 404 for anyone else).

const perM = z.int().min(0);

export const setModelPriceAction = operatorAction(
  "model.price",
  z.object({ model: z.string().trim().min(1).max(200), input: perM, output: perM }),
  ({ input }) => setModelPrice(input),
);

export const createPackAction = operatorAction(
  "pack.create",
  z.object({
    name: z.string().max(100),
    credits: z.int(),
    priceCents: z.int(),
    currency: z.string().max(3),
  }),
  ({ input }) => createPack(input),
);

export const archivePackAction = operatorAction("pack.archive", z.object({ packId: z.string().min(1).max(100) }), ({ input }) =>
  archivePack(input.packId),
);

// An org's: each needs a reason, and the library commits each with its audit entry naming the
// operator (`credits grant --reason`, `org suspend|unsuspend` in the CLI).
const orgId = z.string().min(1).max(100);
const reason = z.string().max(500);

export const adjustCreditsAction = operatorAction(
  "credits.adjust",
  z.object({ orgId, amount: z.int().min(-1_000_000_000_000).max(1_000_000_000_000), reason }),
  ({ input, operator }) => adjustOrgCredits({ ...input, operator }),
);

export const suspendOrgAction = operatorAction("org.suspend", z.object({ orgId, reason }), ({ input, operator }) =>
  suspendOrg({ ...input, operator }),
);

export const unsuspendOrgAction = operatorAction("org.unsuspend", z.object({ orgId, reason }), ({ input, operator }) =>
  unsuspendOrg({ ...input, operator }),
);
