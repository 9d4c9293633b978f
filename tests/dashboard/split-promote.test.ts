import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { leadingArm, SplitPromote } from "@/app/dashboard/workflows/[id]/split-promote";
import type { ArmStats, JudgeStats } from "@/lib/feedback/compare-splits";

// Rendered outside Next: the router and toasts are stubbed; the action is never called.
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => {} }) }));
vi.mock("@/components/toast", () => ({ useToast: () => ({ ok: () => {}, error: () => {} }) }));

const judge = (meanScore: number | null): JudgeStats => ({
  evalRunId: "evr_x",
  finishedAt: null,
  judged: meanScore === null ? 0 : 3,
  meanScore,
  passed: 2,
  checks: 3,
  casesPassed: 2,
  cases: 3,
});
const arm = (version: number, o: Partial<ArmStats> = {}): ArmStats => ({
  version,
  weight: 5000,
  runs: 10,
  failureRate: 0,
  avgTokens: 10,
  p50Ms: 100,
  p95Ms: 200,
  credits: 100,
  feedback: 0,
  score: null,
  judge: null,
  ...o,
});

describe("leadingArm", () => {
  it.each([
    { name: "the best judge score", arms: [arm(1, { judge: judge(0.4) }), arm(2, { judge: judge(0.9) })], lead: 2 },
    {
      name: "a judge tie decided by feedback",
      arms: [arm(1, { judge: judge(0.8), feedback: 4, score: 0.5 }), arm(2, { judge: judge(0.8), feedback: 4, score: -0.5 })],
      lead: 1,
    },
    { name: "feedback alone when no eval", arms: [arm(1, { feedback: 2, score: -1 }), arm(2, { feedback: 3, score: 1 })], lead: 2 },
    { name: "nothing sets one apart", arms: [arm(1, { judge: judge(0.8) }), arm(2, { judge: judge(0.8) })], lead: null },
    { name: "no evidence at all", arms: [arm(1), arm(2)], lead: null },
  ])("$name → $lead", ({ arms, lead }) => expect(leadingArm(arms)).toBe(lead));
});

describe("SplitPromote", () => {
  const splits = [{ label: "production", split: "v1 50% / v2 50%", arms: [arm(1, { judge: judge(0.4) }), arm(2)] }];
  it("shows judge scores beside feedback, and Promote per arm for admins", () => {
    const html = renderToStaticMarkup(createElement(SplitPromote, { orgId: "org_x", workflowId: "wf_x", splits, canEdit: true }));
    expect(html).toContain("0.40 (3)");
    expect(html).toContain("no eval");
    expect(html).toMatch(/Promote v(<!-- -->)?1/);
    expect(html).toMatch(/Promote v(<!-- -->)?2/);
  });
  it("members see the evidence, no Promote", () => {
    const html = renderToStaticMarkup(createElement(SplitPromote, { orgId: "org_x", workflowId: "wf_x", splits, canEdit: false }));
    expect(html).toContain("0.40 (3)");
    expect(html).not.toContain("Promote v");
  });
});
