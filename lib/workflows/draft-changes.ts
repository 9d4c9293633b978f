import type { Workflow, WorkflowVersion } from "@/db/schema";
import { sameContent } from "./content-of";

/**
 * How the draft's settings differ from a version, as "what before → after" lines. The template and
 * the system instructions are compared separately (the dashboard diffs them line by line).
 */
export function settingChanges(w: Workflow, v: WorkflowVersion): string[] {
  const out: string[] = [];
  if (v.model !== w.model) out.push(`model ${v.model} → ${w.model}`);
  if (v.temperature !== w.temperature) out.push(`temperature ${v.temperature ?? "default"} → ${w.temperature ?? "default"}`);
  if (v.maxOutputTokens !== w.maxOutputTokens) out.push(`max output tokens ${v.maxOutputTokens} → ${w.maxOutputTokens}`);
  if (v.webSearch !== w.webSearch) out.push(`web search ${v.webSearch ? "on" : "off"} → ${w.webSearch ? "on" : "off"}`);
  if (v.fallbackModels.join(",") !== w.fallbackModels.join(","))
    out.push(`fallback models ${v.fallbackModels.join(", ") || "none"} → ${w.fallbackModels.join(", ") || "none"}`);
  if (v.maxAttempts !== w.maxAttempts) out.push(`attempts per model ${v.maxAttempts} → ${w.maxAttempts}`);
  if (JSON.stringify(v.variables) !== JSON.stringify(w.variables)) out.push("variable types, descriptions or examples");
  if (JSON.stringify(v.outputSchema) !== JSON.stringify(w.outputSchema))
    out.push(`output schema ${v.outputSchema ? "set" : "none"} → ${w.outputSchema ? (v.outputSchema ? "changed" : "set") : "none"}`);
  if (JSON.stringify(v.tools) !== JSON.stringify(w.tools)) {
    const [before, after] = [v.tools, w.tools].map((t) => t.map((x) => (x.type === "mcp" ? `mcp ${x.server_url}` : x.name)).join(", "));
    out.push(before === after ? `tools changed (${after})` : `tools ${before || "none"} → ${after || "none"}`);
  }
  if (v.maxSteps !== w.maxSteps) out.push(`steps per run ${v.maxSteps} → ${w.maxSteps}`);
  return out;
}

/** Whether publishing the draft would make a version different from this one. */
export function draftDiffers(w: Workflow, v: WorkflowVersion): boolean {
  return !sameContent(w, v);
}
