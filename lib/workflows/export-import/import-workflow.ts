import { createWorkflow } from "../create-workflow";
import { LATEST, PRODUCTION } from "../label-name";
import { moveLabel } from "../move-label";
import { publishVersion, unpublishWorkflow } from "../publish-version";
import { updateDraft } from "../update-draft";
import type { PromptFields, WorkflowDocument } from "./document";

const draftOf = (p: PromptFields) => ({
  system: p.system,
  template: p.template,
  model: p.model,
  temperature: p.temperature,
  maxOutputTokens: p.max_output_tokens,
  webSearch: p.web_search,
  tools: p.tools,
  maxSteps: p.max_steps,
  variables: p.variables.map(({ name, description, example }) => ({ name, description, example })),
});

/**
 * Turns a workflow document into a new workflow of this org: never overwrites one. By default
 * its versions are published again in order (renumbered 1…n, notes kept) and its labels point at
 * the same content as before (production included: an unpublished export stays unpublished);
 * `draftOnly` brings the draft alone, as a new unpublished workflow. The draft ends as exported.
 */
export async function importWorkflow({
  orgId,
  doc,
  draftOnly = false,
  actorId = null,
}: {
  orgId: string;
  doc: WorkflowDocument;
  draftOnly?: boolean;
  actorId?: string | null;
}) {
  const versions = draftOnly ? [] : [...doc.versions].sort((a, b) => a.version - b.version);
  const first = versions[0] ?? doc.draft;
  const wf = await createWorkflow({ orgId, name: doc.name, description: doc.description, ...draftOf(first), actorId });
  const workflowId = wf.workflow_id;
  const numberOf = new Map<number, number>();
  for (const v of versions) {
    await updateDraft({ orgId, workflowId, patch: draftOf(v), audited: false }); // the publishes that follow are the record
    numberOf.set(v.version, (await publishVersion({ orgId, workflowId, note: v.note, actorId })).version);
  }
  const labels: Record<string, number> = {};
  if (versions.length) {
    for (const [label, from] of Object.entries(doc.labels)) {
      const to = numberOf.get(from);
      if (to === undefined || label === LATEST) continue; // latest follows the newest version by itself
      await moveLabel({ orgId, workflowId, label, version: to, actorId });
      labels[label] = to;
    }
    if (doc.labels[PRODUCTION] === undefined) await unpublishWorkflow({ orgId, workflowId, actorId });
  }
  await updateDraft({ orgId, workflowId, patch: draftOf(doc.draft), audited: false });
  return {
    workflow_id: workflowId,
    name: doc.name,
    versions: versions.length,
    labels,
    published: versions.length > 0 && doc.labels[PRODUCTION] !== undefined,
  };
}
