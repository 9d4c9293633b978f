"use server";

import { z } from "zod";
import { archivePack, createPack } from "@/lib/billing/packs";
import { setModelPrice } from "@/lib/llm/prices";
import { operatorAction } from "@/lib/operator-console/operator-action";

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

export const archivePackAction = operatorAction("pack.archive", z.object({ packId: z.string().min(1).max(100) }), ({ input }) => archivePack(input.packId));
