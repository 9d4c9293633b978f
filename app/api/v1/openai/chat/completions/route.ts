export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/openai/chat/completions – a published workflow as an OpenAI chat model
// OPTIONS – CORS preflight (a browser calls it with a stream token as the SDK's apiKey)
export { openaiChatCompletions as POST } from "@/lib/api/endpoints/openai";
export { openaiPreflight as OPTIONS } from "@/lib/api/openai-preflight";
