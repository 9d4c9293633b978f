// One cluster per test file: started (with an org, a key and a published workflow) before the
// file's tests, closed after them, with the figures the file collected printed as one line.
import { afterAll, beforeAll } from "vitest";
import { client } from "./client";
import { startCluster, type Cluster, type InstanceName } from "./cluster";

// Imported only after startCluster pointed DATABASE_URL at the suite's fresh database.
export const lib = async () => ({
  ...(await import("@/db")),
  ...(await import("@/db/schema")),
  ...(await import("@/db/queries/credits")),
  ...(await import("@/db/queries/orgs")),
  ...(await import("@/lib/auth/api-keys")),
  ...(await import("@/lib/orgs/create-org")),
  ...(await import("@/lib/workflows/create-workflow")),
  ...(await import("@/lib/workflows/update-draft")),
  ...(await import("@/lib/workflows/publish-version")),
  ...(await import("@/lib/operator/org-actions")),
});

export type Suite = {
  cluster: Cluster;
  seed: { orgId: string; key: string; workflowId: string };
  figures: Record<string, unknown>;
  /** A request through the balancer (counted for the figures). */
  api: (path: string, init?: Parameters<ReturnType<typeof client>>[1]) => Promise<Response>;
  /** A request to one instance by its own port, not through the balancer: what that instance answers. */
  direct: (name: InstanceName, path: string, init?: Parameters<ReturnType<typeof client>>[1]) => Promise<Response>;
  /** An SSE run of the seeded workflow through the balancer. */
  stream: (query?: string) => Promise<Response>;
};

export function clusterSuite(env: Record<string, string> = {}): Suite {
  let requests = 0;
  const s = { figures: {} } as Suite;
  beforeAll(async () => {
    s.cluster = await startCluster({ env });
    const raw = client(s.cluster.url);
    s.api = (path, init) => raw(path, init).then((r) => (requests++, r));
    s.direct = (name, path, init) => client(`http://127.0.0.1:${s.cluster.instances[name].port}`)(path, init);
    s.stream = (query = "") =>
      s.api(`/api/v1/run/${s.seed.workflowId}/stream${query}`, {
        key: s.seed.key,
        json: { story: "a dog" },
        headers: { accept: "text/event-stream" },
      });
    const { createOrg, createApiKey, createWorkflow } = await lib();
    const { org_id: orgId } = await createOrg({ name: "Multi", credits: 10_000_000 });
    const { key } = await createApiKey({ orgId, name: "multi" });
    const wf = await createWorkflow({ orgId, name: "Story", template: "Write {{story}}", model: "openai.chat:fake", publish: true });
    s.seed = { orgId, key, workflowId: wf.workflow_id };
  }, 240_000);
  afterAll(async () => {
    console.log(`[multi] ${JSON.stringify({ requestsThroughBalancer: requests, ...s.figures })}`);
    await s.cluster?.close();
  });
  return s;
}
