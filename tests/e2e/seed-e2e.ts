// Seeds a fresh database for the end-to-end suite and prints what it made as one JSON line.
// Run before the server starts (the embedded database allows one process at a time).
import { closeDb } from "@/db";
import { createApiKey } from "@/lib/auth/api-keys";
import { createPack } from "@/lib/billing/packs";
import { createOrg } from "@/lib/orgs/create-org";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { moveLabel } from "@/lib/workflows/move-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import { updateDraft } from "@/lib/workflows/update-draft";

// Plenty: the fuzz suite sends 1 MB bodies, and a run pays its input (~4 bytes a token).
const { org_id: orgId } = await createOrg({ name: "E2E org", credits: 1_000_000_000 });
const { key } = await createApiKey({ orgId, name: "e2e" });
const story = await createWorkflow({ orgId, name: "Story", template: "Write {{story}}", model: "openai.chat:fake", publish: true });
const chat = await createWorkflow({ orgId, name: "Chat", template: "{{question}}", model: "openai.chat:fake", publish: true });
const noVars = await createWorkflow({
  orgId,
  name: "Charlie",
  template: "Tell me a short story about a dog named Charlie.",
  model: "openai.chat:fake",
  publish: true,
});
const offline = await createWorkflow({ orgId, name: "Offline", template: "Echo {{story}}", model: "offline:echo", publish: true });
// Structured output (tests/e2e/use-object.test.ts): the answer streams as JSON text for useObject.
const review = await createWorkflow({
  orgId,
  name: "Review",
  template: "Review {{story}}",
  model: "openai.chat:fake",
  publish: true,
  outputSchema: {
    type: "object",
    required: ["title", "tags", "stars"],
    additionalProperties: false,
    properties: {
      title: { type: "string" },
      tags: { type: "array", items: { type: "string" } },
      stars: { type: "integer", minimum: 1, maximum: 5 },
    },
  },
});
// Client tools (tests/e2e/tools.test.ts): a workflow whose model may call get_weather, which the caller runs.
const tools = await createWorkflow({
  orgId,
  name: "Weather",
  template: "{{question}}",
  model: "openai.chat:fake",
  publish: true,
  tools: [
    {
      type: "function",
      name: "get_weather",
      description: "The weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  ],
});
// The OpenAI-compatible surface (tests/e2e/openai-sdk.test.ts): versions 1 and 2 with staging on 1, an org
// without credits, a key limited to one request a minute.
const versions = await createWorkflow({ orgId, name: "Versions", template: "v1 {{story}}", model: "offline:echo", publish: true });
await updateDraft({ orgId, workflowId: versions.workflow_id, patch: { template: "v2 {{story}}" } });
await publishVersion({ orgId, workflowId: versions.workflow_id });
await moveLabel({ orgId, workflowId: versions.workflow_id, label: "staging", version: 1, actorId: null });
const { org_id: poorOrg } = await createOrg({ name: "E2E poor org", credits: 0 });
const poor = await createWorkflow({ orgId: poorOrg, name: "Poor", template: "Echo {{story}}", model: "offline:echo", publish: true });
const openai = {
  versionsId: versions.workflow_id,
  poorId: poor.workflow_id,
  poorKey: (await createApiKey({ orgId: poorOrg })).key,
  limitedKey: (await createApiKey({ orgId, name: "limited", rateLimitPerMinute: 1 })).key,
};
// Buying credits (tests/e2e/billing.test.ts): a pack on sale.
const { pack_id: packId } = await createPack({ name: "Starter", credits: 250_000, priceCents: 1500 });
process.stdout.write(
  JSON.stringify({
    packId,
    orgId,
    key,
    storyId: story.workflow_id,
    chatId: chat.workflow_id,
    offlineId: offline.workflow_id,
    noVarsId: noVars.workflow_id,
    reviewId: review.workflow_id,
    toolsId: tools.workflow_id,
    openai,
  }) + "\n",
);
await closeDb();
