export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/openai/responses – a published workflow as an OpenAI prompt (Responses API)
// OPTIONS – CORS preflight (a browser calls it with a stream token as the SDK's apiKey)
export { openaiResponses as POST } from "@/lib/api/endpoints/openai";
export { openaiPreflight as OPTIONS } from "@/lib/api/openai-preflight";
