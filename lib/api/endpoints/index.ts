import type { ApiRoute } from "../route";
import { health, openApiDocument } from "./meta";
import { openaiChatCompletions, openaiModels, openaiResponses } from "./openai";
import { describeWorkflowRoute, getSession, mintToken, usage } from "./org";
import { cancelRunRoute, getRun, listRuns, runWorkflow } from "./runs";
import { resumeRunStream, streamWorkflow } from "./streaming";
import { exportWorkflowRoute } from "./workflow-export";
import { runFeedbackRoute } from "./feedback";
import { getEvalRoute, startEvalRoute } from "./evals";
import { createWorkflowRoute, listWorkflowsRoute, moveLabelRoute, publishWorkflowRoute, updateDraftRoute } from "./management";

/** The public API, in the order the document lists it; each route file exports one of these. */
export const API_ROUTES: ApiRoute[] = [
  runWorkflow, streamWorkflow, mintToken, listRuns, getRun, cancelRunRoute, runFeedbackRoute, resumeRunStream,
  getSession, usage, describeWorkflowRoute, exportWorkflowRoute,
  listWorkflowsRoute, createWorkflowRoute, updateDraftRoute, publishWorkflowRoute, moveLabelRoute, startEvalRoute, getEvalRoute, openaiChatCompletions, openaiResponses, openaiModels, openApiDocument, health,
];
