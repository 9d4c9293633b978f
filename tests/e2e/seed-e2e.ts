// Seeds a fresh database for the end-to-end suite and prints what it made as one JSON line.
// Run before the server starts (the embedded database allows one process at a time).
import { closeDb } from "@/db";
import { createApiKey } from "@/lib/auth/api-keys";
import { createOrg } from "@/lib/orgs/create-org";
import { createWorkflow } from "@/lib/workflows/create-workflow";

const { org_id: orgId } = await createOrg({ name: "E2E org", credits: 1_000_000 });
const { key } = await createApiKey({ orgId, name: "e2e" });
const story = await createWorkflow({ orgId, name: "Story", template: "Write {{story}}", model: "openai.chat:fake", publish: true });
const chat = await createWorkflow({ orgId, name: "Chat", template: "{{question}}", model: "openai.chat:fake", publish: true });
const noVars = await createWorkflow({ orgId, name: "Charlie", template: "Tell me a short story about a dog named Charlie.", model: "openai.chat:fake", publish: true });
const offline = await createWorkflow({ orgId, name: "Offline", template: "Echo {{story}}", model: "offline:echo", publish: true });
process.stdout.write(JSON.stringify({ orgId, key, storyId: story.workflow_id, chatId: chat.workflow_id, offlineId: offline.workflow_id, noVarsId: noVars.workflow_id }) + "\n");
await closeDb();
