// The fake OpenAI-compatible upstream as its own process for benchmarks (tests/support/openai-upstream.ts).
// Prints its base URL; POST /__control {tokens, tokenDelayMs, firstTokenDelayMs} changes its pace.
import { startFakeOpenAI } from "../tests/support/openai-upstream";

const fake = await startFakeOpenAI({ port: Number(process.argv[2] ?? 0), tokens: 20 });
process.stdout.write(JSON.stringify({ url: fake.url, port: fake.port }) + "\n");
