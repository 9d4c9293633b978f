import { z } from "zod";

/** A comment is at most this many characters. */
export const MAX_FEEDBACK_COMMENT = 2000;

export const feedbackBody = z
  .object({
    score: z
      .number()
      .min(-1)
      .max(1)
      .meta({ description: "From -1 (bad) to 1 (good); a thumbs-down is -1, a thumbs-up 1. A run keeps its latest feedback." }),
    comment: z
      .string()
      .max(MAX_FEEDBACK_COMMENT)
      .refine((s) => !s.includes("\u0000"), "comment must not contain NUL characters")
      .optional()
      .meta({ description: `Optional, at most ${MAX_FEEDBACK_COMMENT} characters.` }),
  })
  .strict();
export type FeedbackBody = z.output<typeof feedbackBody>;

export const feedbackResponse = z.object({
  success: z.literal(true),
  run_id: z.string(),
  score: z.number(),
  comment: z.string().nullable(),
  updated_at: z.iso.datetime(),
});
