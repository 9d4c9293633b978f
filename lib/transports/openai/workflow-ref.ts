import type { Principal } from "@/lib/auth/principal";
import { AppError, isAppError } from "@/lib/errors";
import { publishedVersionOf } from "@/lib/runs/prepare-run";

/**
 * The version a `model` (or `prompt.id` + `prompt.version`) names, with the native API's rules
 * (lib/runs/prepare-run.ts publishedVersionOf): `wf_…` the published version, `wf_…@3` version 3,
 * `wf_…@staging` the label. Anything that names no runnable workflow is OpenAI's 404
 * model_not_found, so the SDKs raise NotFoundError.
 */
export async function versionOfModel(principal: Principal, model: string, param = "model") {
  const at = model.indexOf("@");
  const workflowId = at < 0 ? model : model.slice(0, at);
  const pin = at < 0 ? undefined : model.slice(at + 1);
  return versionOf(principal, workflowId, pin, model, param);
}

export async function versionOf(principal: Principal, workflowId: string, pin: string | null | undefined, shown: string, param: string) {
  const query = pin === undefined || pin === null ? {} : /^\d{1,9}$/.test(pin) ? { version: Number(pin) } : { label: pin };
  try {
    return await publishedVersionOf({ params: { workflow_id: workflowId }, query, principal });
  } catch (e) {
    if (isAppError(e) && e.code === "workflow_not_found") {
      throw new AppError("workflow_not_found", `The model \`${shown.slice(0, 200)}\` does not exist or you do not have access to it.`, {
        param,
      });
    }
    if (isAppError(e) && e.code === "forbidden") throw new AppError("forbidden", e.message, { param });
    throw e;
  }
}
