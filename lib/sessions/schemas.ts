import { z } from "zod";

export const SESSION_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

/** `session_id` in a run body, and the path segment of GET /sessions/:id. */
export const sessionId = z
  .string({ error: "must be 1-200 characters of letters, digits, _ . : -" })
  .regex(SESSION_ID, "must be 1-200 characters of letters, digits, _ . : -")
  .meta({ description: "Makes runs one conversation (per org): each run sees the earlier turns as history." });

/** GET /api/v1/sessions/:id */
export const sessionResponse = z.object({
  success: z.literal(true),
  session_id: z.string(),
  turns: z.array(
    z.object({
      run_id: z.string(),
      workflow_id: z.string(),
      status: z.string(),
      user: z.string().meta({ description: "The rendered prompt of the turn." }),
      assistant: z.string(),
      created_at: z.iso.datetime(),
    }),
  ),
});
export type SessionResponse = z.output<typeof sessionResponse>;
