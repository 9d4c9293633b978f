import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { LabelsPanel } from "@/app/dashboard/workflows/[id]/labels-panel";

// The panel renders outside Next here, so the router is stubbed; the actions are never called.
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => {} }) }));

const props = {
  orgId: "org_x",
  workflowId: "wf_x",
  versions: [3, 2, 1],
  labels: [
    { name: "latest", version: 3, updatedAt: "2026-01-01T10:00:00.000Z" },
    { name: "production", version: 2, updatedAt: "2026-01-01T10:00:00.000Z" },
    { name: "staging", version: 3, updatedAt: "2026-01-01T10:00:00.000Z" },
  ],
  history: [{ id: 2, label: "production", from: 3, to: 2, actor: "admin", at: "2026-01-01T10:00:00.000Z" }],
};

describe("LabelsPanel", () => {
  it("admins get a select per movable label (not latest), a rollback to the previous version and the history", () => {
    const html = renderToStaticMarkup(createElement(LabelsPanel, { ...props, canEdit: true }));
    expect(html).toContain('aria-label="Version of production"');
    expect(html).toContain('aria-label="Version of staging"');
    expect(html).not.toContain('aria-label="Version of latest"');
    expect(html).toMatch(/Roll back to v(<!-- -->)?1/);
    expect(html).toMatch(/production<\/span> (<!-- -->)?v3(<!-- -->)? → (<!-- -->)?v2/);
  });

  it("members see versions only", () => {
    const html = renderToStaticMarkup(createElement(LabelsPanel, { ...props, canEdit: false }));
    expect(html).not.toContain("<select");
    expect(html).not.toContain("Roll back");
    expect(html).not.toContain("Set label");
  });
});
