import type { ApiRoute } from "../route";
import { health, openApiDocumentRoute } from "./meta";
import { openaiChatCompletions, openaiModels, openaiResponses } from "./openai";
import { describeWorkflowRoute, getSessionRoute, mintToken, usage } from "./org";
import { cancelRunRoute, getRunRoute, listRunsRoute, runWorkflow, toolOutputsRoute } from "./runs";
import { rotateToolSigningSecretRoute, toolSigningSecretRoute } from "./tools";
import { resumeRunStream, streamWorkflow } from "./streaming";
import { exportWorkflowRoute } from "./workflow-export";
import { runFeedbackRoute } from "./feedback";
import { autoTopUpRoute, checkoutRoute, getBillingRoute } from "./billing";
import { createBudgetRoute, deleteBudgetRoute, listBudgetsRoute, updateBudgetRoute } from "./budgets";
import { getEvalRoute, startEvalRoute } from "./evals";
import {
  createWorkflowRoute,
  listWorkflowsRoute,
  moveLabelRoute,
  promoteLabelRoute,
  publishWorkflowRoute,
  updateDraftRoute,
} from "./management";

// GET /api/v1/openapi.json: the document of the list below, this route included.
export const openApiDocument = openApiDocumentRoute(() => API_ROUTES);

/** The public API, in the order the document lists it; each route file exports one of these. */
export const API_ROUTES: ApiRoute[] = [
  runWorkflow,
  streamWorkflow,
  mintToken,
  listRunsRoute,
  getRunRoute,
  cancelRunRoute,
  toolOutputsRoute,
  runFeedbackRoute,
  resumeRunStream,
  getSessionRoute,
  usage,
  describeWorkflowRoute,
  exportWorkflowRoute,
  listWorkflowsRoute,
  createWorkflowRoute,
  updateDraftRoute,
  publishWorkflowRoute,
  moveLabelRoute,
  promoteLabelRoute,
  toolSigningSecretRoute,
  rotateToolSigningSecretRoute,
  getBillingRoute,
  checkoutRoute,
  autoTopUpRoute,
  listBudgetsRoute,
  createBudgetRoute,
  updateBudgetRoute,
  deleteBudgetRoute,
  startEvalRoute,
  getEvalRoute,
  openaiChatCompletions,
  openaiResponses,
  openaiModels,
  openApiDocument,
  health,
];
