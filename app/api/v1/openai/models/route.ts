export const dynamic = "force-dynamic";

// GET /api/v1/openai/models – the published workflows this key may run, as OpenAI model objects
export { openaiModels as GET } from "@/lib/api/endpoints/openai";
