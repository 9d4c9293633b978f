import OpenAI from "openai";
import { BASE, dispatch } from "./routes";

/** The official `openai` SDK pointed at the OpenAI-compatible surface's route modules (no server). */
export const openaiClient = (apiKey: string) =>
  new OpenAI({
    apiKey,
    baseURL: `${BASE}/api/v1/openai`,
    maxRetries: 0,
    fetch: (url: string | URL | Request, init?: RequestInit) => dispatch(new Request(url, init)),
  });

/** A workflow output schema (a review) and an answer that matches it, for structured-output tests. */
export const REVIEW_SCHEMA = {
  type: "object",
  properties: {
    title: { type: "string" },
    tags: { type: "array", items: { type: "string" } },
    stars: { type: "integer", minimum: 1, maximum: 5 },
  },
  required: ["title", "tags", "stars"],
  additionalProperties: false,
};
export const REVIEW_ANSWER = { title: "Charlie the dog", tags: ["loyal", "brave"], stars: 5 };
