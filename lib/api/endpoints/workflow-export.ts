import { assertWorkflowVisible } from "@/lib/auth/visibility";
import { workflowDocument } from "@/lib/workflows/export-import/document";
import { exportWorkflow } from "@/lib/workflows/export-import/export-workflow";
import { apiRoute } from "../route";
import { AUTHED, WORKFLOW_ID } from "../route-doc";

// GET /api/v1/workflows/:workflow_id/export – the workflow as a JSON document (draft, versions, labels) an import recreates
export const exportWorkflowRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/workflows/{workflow_id}/export",
    auth: "apiKey",
    needs: ["run", "admin"],
    response: workflowDocument,
    doc: {
      operationId: "exportWorkflow",
      tag: "Workflows",
      summary: "Export a workflow as a JSON document: draft, published versions and labels",
      description:
        "Import it in the dashboard or with `npm run admin -- workflow import`: it becomes a new workflow (nothing is overwritten). " +
        "Any live workflow the key may see (its workflow restriction) can be exported, published or not.",
      pathParams: WORKFLOW_ID,
      ok: { description: "The workflow document (format flowgate.workflow.v1)." },
      errors: [...AUTHED, "workflow_not_found"],
    },
  },
  ({ ctx, params }) => {
    assertWorkflowVisible(ctx.principal, params.workflow_id);
    return exportWorkflow(ctx.principal.orgId, params.workflow_id);
  },
);
