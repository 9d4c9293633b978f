import { createApiKey } from "@/lib/auth/api-keys";
import { createOrg } from "@/lib/orgs/create-org";
import { loadPublishedVersion, prepareRun } from "@/lib/runs/prepare-run";
import { reserveRun } from "@/lib/runs/reserve-run";
import { respondJson } from "@/lib/transports/respond-json";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { moveLabel } from "@/lib/workflows/move-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import { updateDraft } from "@/lib/workflows/update-draft";
import type { NewWorkflow } from "@/lib/workflows/schemas";

export type FixtureOptions = Partial<NewWorkflow> & { credits?: number; publish?: boolean; rateLimitPerMinute?: number };

/** A fresh org with a key and a published workflow: tests isolate themselves by tenant. */
export async function createFixture({
  credits = 100_000,
  template = "Write {{story}}",
  model = "offline:echo",
  publish = true,
  rateLimitPerMinute,
  ...rest
}: FixtureOptions = {}) {
  const org = await createOrg({ name: "Test org", credits });
  const key = await createApiKey({ orgId: org.org_id, rateLimitPerMinute });
  const wf = await createWorkflow({ orgId: org.org_id, name: "Test workflow", template, model, publish, ...rest });
  return { orgId: org.org_id, key: key.key, keyId: key.id, workflowId: wf.workflow_id };
}

type Fixture = Pick<Awaited<ReturnType<typeof createFixture>>, "orgId" | "keyId" | "workflowId">;

/** The fixture's key as the API pipeline would see it (verified, unrestricted). */
export const keyPrincipal = (f: Fixture) => ({ keyId: f.keyId, orgId: f.orgId, rateLimitPerMinute: null });

/** Prepares a run of the fixture's published workflow with these variables, as /run would. */
export async function preparePublished(f: Fixture, vars: Record<string, unknown>) {
  return prepareRun({ orgId: f.orgId, version: await loadPublishedVersion(f.orgId, f.workflowId), shape: () => ({ vars, history: [] }) });
}

/** A fresh fixture's run, reserved and left "running" with nothing executing it (what the sweeper and the heartbeat see). */
export async function reservedRun() {
  const f = await createFixture({ template: "{{story}}" });
  const run = await reserveRun(await preparePublished(f, { story: "x" }), { source: "api", protocol: "json", apiKeyId: f.keyId });
  return { f, run };
}

/** Runs the fixture's published workflow to completion through the /run pipeline, without HTTP. */
export async function runPublished(f: Fixture, vars: Record<string, unknown>) {
  const version = await loadPublishedVersion(f.orgId, f.workflowId);
  return respondJson({ principal: keyPrincipal(f), version, fields: {}, shape: () => ({ vars, history: [] }) });
}

export type VersionedFixtureOptions = Omit<FixtureOptions, "template"> & {
  /** Labels to move once every version is published, e.g. `{ staging: 1 }`. */
  labels?: Record<string, number>;
};

/**
 * A fixture whose workflow has published versions 1..n, each template saying which ran: "vN {{story}}".
 * tests/support/versions.ts adds the calls tests make of it.
 */
export async function createVersionedFixture(n: number, { labels = {}, ...opts }: VersionedFixtureOptions = {}) {
  const f = await createFixture({ ...opts, template: "v1 {{story}}" });
  for (let v = 2; v <= n; v++) {
    await updateDraft({ orgId: f.orgId, workflowId: f.workflowId, patch: { template: `v${v} {{story}}` } });
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
  }
  for (const [label, version] of Object.entries(labels))
    await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label, version, actorId: null });
  return f;
}
