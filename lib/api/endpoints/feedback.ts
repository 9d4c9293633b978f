import { recordFeedback } from "@/lib/feedback/record-feedback";
import { feedbackBody, feedbackResponse } from "@/lib/feedback/schemas";
import { apiRoute } from "../route";
import { AUTHED, RUN_ID } from "../route-doc";

// POST /api/v1/runs/:run_id/feedback – an end user's score (and comment) for a run: with the key, or
// from the browser with a stream token of the run's own end user
export const runFeedbackRoute = apiRoute(
  {
    method: "POST",
    path: "/api/v1/runs/{run_id}/feedback",
    auth: "streamTokenOrKey",
    needs: "run",
    cors: true,
    body: feedbackBody,
    response: feedbackResponse,
    doc: {
      operationId: "runFeedback",
      tag: "Runs",
      summary: "Score a run (-1 … 1) with an optional comment",
      description:
        "One feedback per run: sending again replaces it. A stream token (`?token=`, minted with `?user=`) may score only the runs " +
        "of its own key and end user; the key may score any run of its org. The dashboard's usage page compares a split's versions by it.",
      pathParams: RUN_ID,
      body: {
        description: "`score` from -1 (bad) to 1 (good); `comment` at most 2000 characters.",
        examples: {
          thumbs_up: { summary: "A thumbs-up", value: { score: 1 } },
          comment: { summary: "A score with a comment", value: { score: -1, comment: "Made up a citation." } },
        },
      },
      ok: { description: "The feedback as stored." },
      errors: ["invalid_request", ...AUTHED, "run_not_found"],
      errorExamples: { invalid_request: "score: Too big: expected number to be <=1" },
    },
  },
  ({ ctx, params, body }) => recordFeedback(ctx.principal, params.run_id, body),
);
