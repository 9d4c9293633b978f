import { z } from "zod";

/** An ISO date or date-time between 1970 and 9999 (what the database's timestamps hold). */
const day = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .refine((s) => {
    const t = Date.parse(s);
    return t >= 0 && t < Date.UTC(10000, 0, 1);
  }, "must be an ISO date or date-time between 1970 and 9999");

/** GET /api/v1/usage */
export const usageQuery = z.object({
  group_by: z.enum(["user", "key", "workflow"], { error: "must be one of user, key, workflow" }).default("workflow"),
  from: day.optional().meta({ description: "Start (inclusive), ISO date or date-time. Default: 30 days before `to`." }),
  to: day.optional().meta({ description: "End (exclusive), ISO date or date-time. Default: now." }),
});

const counts = { runs: z.int(), input_tokens: z.int(), output_tokens: z.int(), total_tokens: z.int(), credits: z.number() };
const groupKey = z.string().nullable();

export const usageResponse = z.object({
  success: z.literal(true),
  group_by: z.enum(["user", "key", "workflow"]),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  groups: z
    .array(
      z.object({
        // One of these, named by group_by: the end user (null: runs with none), the key id or the workflow id.
        user: groupKey.optional(),
        key: groupKey.optional(),
        workflow: groupKey.optional(),
        ...counts,
      }),
    )
    .meta({ description: "Most credits first; each group carries the key named by group_by." }),
  totals: z.object({ runs: z.int(), total_tokens: z.int(), credits: z.number() }),
});
export type UsageResponse = z.output<typeof usageResponse>;
