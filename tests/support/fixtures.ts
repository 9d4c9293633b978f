import { createApiKey } from "@/lib/auth/api-keys";
import { createOrg } from "@/lib/orgs/create-org";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import type { NewWorkflow } from "@/lib/workflows/schemas";

/** A fresh org with a key and a published workflow: tests isolate themselves by tenant. */
export async function createFixture({
  credits = 100_000, template = "Write {{story}}", model = "offline:echo", publish = true, rateLimitPerMinute, ...rest
}: Partial<NewWorkflow> & { credits?: number; publish?: boolean; rateLimitPerMinute?: number } = {}) {
  const org = await createOrg({ name: "Test org", credits });
  const key = await createApiKey({ orgId: org.org_id, rateLimitPerMinute });
  const wf = await createWorkflow({ orgId: org.org_id, name: "Test workflow", template, model, publish, ...rest });
  return { orgId: org.org_id, key: key.key, keyId: key.id, workflowId: wf.workflow_id };
}
