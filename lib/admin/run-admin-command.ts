import "server-only";
import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { API_SCOPES, createApiKey, revokeApiKey, type ApiScope } from "@/lib/auth/api-keys";
import { archivePack, createPack, listPacks } from "@/lib/billing/packs";
import { grantCredits } from "@/lib/credits/grant-credits";
import { setBudgetFromCli } from "@/lib/budgets/set-budget";
import { setWorkflowEndUserRateLimit } from "@/lib/workflows/end-user-rate-limit";
import { deleteBudget, listBudgets } from "@/lib/budgets/manage-budgets";
import { listPrices, setModelPrice } from "@/lib/llm/prices";
import { AppError } from "@/lib/errors";
import { createOrg } from "@/lib/orgs/create-org";
import { addOperator, listOperators, removeOperator } from "@/lib/operator/operators";
import { adjustOrgCredits, suspendOrg, unsuspendOrg } from "@/lib/operator/org-actions";
import { setStorageSettings } from "@/lib/orgs/org-settings";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { moveLabel } from "@/lib/workflows/move-label";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { publishVersion, unpublishWorkflow } from "@/lib/workflows/publish-version";
import { MAX_DOCUMENT_BYTES, parseWorkflowDocument } from "@/lib/workflows/export-import/document";
import { exportWorkflow } from "@/lib/workflows/export-import/export-workflow";
import { importWorkflow } from "@/lib/workflows/export-import/import-workflow";
import { defaultModelId } from "@/lib/llm/registry";
import { VARIABLE_TYPES, type VariableType } from "@/lib/workflows/variable-types";
import { listDeliveries, redeliverWebhook } from "@/lib/webhooks/deliveries";
import { createWebhookEndpoint, deleteWebhook, enableWebhook, listWebhooks } from "@/lib/webhooks/endpoints";
import { rotateToolSigningSecret, toolSigningSecret } from "@/lib/tools/signing-secret";
import { importEvalCases } from "@/lib/evals/cases";
import { setJudgeModel } from "@/lib/evals/judge";
import { runEval } from "@/lib/evals/run-eval";

export const ADMIN_USAGE = `Usage: npm run admin -- <command> [options]
  org create --name <name> [--credits <n>]
  org set --org <org_id> [--retention-days <n>|forever] [--mask-pii on|off]   (keep runs' inputs and outputs n days, 0: metering only; mask e-mails, phones, cards in stored runs)
  key create --org <org_id> [--name <name>] [--rate-limit <per-minute>] [--end-user-rate-limit <per-minute>] [--scope run|admin|admin,run]
             (admin: the management API; default run. --end-user-rate-limit: per end user of its token traffic)
  key revoke --org <org_id> --key <key_id>
  workflow create --org <org_id> --name <name> --template <text> [--system <text>] [--model <id>]
                  [--max-output-tokens <n>] [--temperature <t>] [--web-search] [--publish]
                  [--fallback-models <provider:model,…>] [--max-attempts <n>]
                  [--output-schema '<JSON Schema>'] [--var <name>:<type>]...  (type: text, number, boolean, json, image; enum: --var level:enum:a|b|c)
                  [--tools-file <path to a JSON array of tools>] [--max-steps <n>]   (docs/tools.md)
  workflow publish --org <org_id> --workflow <workflow_id> [--note <text>]
  workflow unpublish --org <org_id> --workflow <workflow_id>
  workflow end-user-rate-limit --org <org_id> --workflow <workflow_id> --limit <per-minute|none>   (per end user of its runs)
  workflow export --org <org_id> --workflow <workflow_id>        (prints the workflow document)
  workflow import --org <org_id> --file <path> [--draft-only]   (an export, or an OpenAI prompt: a new workflow)
  label move --org <org_id> --workflow <workflow_id> --label <name> --version <n>
  label split --org <org_id> --workflow <workflow_id> --label <name> --weights <version:percent,…>   (e.g. 3:90,4:10)
  eval import --org <org_id> --workflow <workflow_id> --file <cases.jsonl|cases.csv>
  eval run --org <org_id> --workflow <workflow_id> [--version <n>]   (default: the draft; exits 1 when a case fails or a judge scores below its pass_score)
  eval judge-model --org <org_id> [--model <provider:model>]   (the model of judge checks that name none; without --model: the instance's default)
  credits grant --org <org_id> --amount <n> --reason <text>   (negative removes: --amount=-500; never below zero; audited)
  org suspend --org <org_id> --reason <text>   (its keys and stream tokens get 403 org_suspended; queued runs canceled and refunded)
  org unsuspend --org <org_id> [--reason <text>]
  operator add --email <address>      (an operator, once the address is verified; FLOWGATE_OPERATOR_EMAILS lists more)
  operator remove --email <address>
  operator list
  budget set --org <org_id> --scope org|workflow|key|end_user --credits <n> --period day|month [--workflow <workflow_id>] [--key <key_id>]
             [--alert-at 50,80,100] [--name <name>]   (the budget with that scope, period and filters is updated, else created)
  budget list --org <org_id>   (with this period's usage; end_user budgets: the top end users)
  budget remove --org <org_id> --budget <budget_id>
  billing pack create --name <name> --credits <n> --price-cents <n> [--currency usd]   (a credit pack orgs can buy)
  billing pack list [--all]   (--all: archived packs too)
  billing pack archive --pack <pack_id>   (no longer on sale; purchases keep their price)
  model price --model <provider:model> --input <credits per 1M tokens> --output <credits per 1M tokens>
  model list
  webhook create --org <org_id> --url <url> --events <run.completed,run.failed,…> [--include-data]
  webhook list --org <org_id>
  webhook deliveries --org <org_id> [--webhook <webhook_id>]
  webhook redeliver --org <org_id> --delivery <msg_id>
  webhook enable --org <org_id> --webhook <webhook_id>
  webhook delete --org <org_id> --webhook <webhook_id>
  tools signing-secret show --org <org_id>     (the whsec_… secret the org's HTTP tool calls are signed with; docs/tools.md)
  tools signing-secret rotate --org <org_id>   (a new one; the one replaced still signs calls for 24 h; audited)`;

const OPTIONS = {
  name: { type: "string" },
  credits: { type: "string" },
  org: { type: "string" },
  key: { type: "string" },
  "rate-limit": { type: "string" },
  template: { type: "string" },
  system: { type: "string" },
  model: { type: "string" },
  "max-output-tokens": { type: "string" },
  temperature: { type: "string" },
  "web-search": { type: "boolean" },
  publish: { type: "boolean" },
  workflow: { type: "string" },
  note: { type: "string" },
  amount: { type: "string" },
  label: { type: "string" },
  version: { type: "string" },
  input: { type: "string" },
  output: { type: "string" },
  "fallback-models": { type: "string" },
  "max-attempts": { type: "string" },
  file: { type: "string" },
  "draft-only": { type: "boolean" },
  var: { type: "string", multiple: true },
  "output-schema": { type: "string" },
  "tools-file": { type: "string" },
  "max-steps": { type: "string" },
  url: { type: "string" },
  events: { type: "string" },
  "include-data": { type: "boolean" },
  webhook: { type: "string" },
  delivery: { type: "string" },
  weights: { type: "string" },
  scope: { type: "string" },
  "price-cents": { type: "string" },
  currency: { type: "string" },
  pack: { type: "string" },
  all: { type: "boolean" },
  reason: { type: "string" },
  email: { type: "string" },
  "retention-days": { type: "string" },
  "mask-pii": { type: "string" },
  period: { type: "string" },
  "alert-at": { type: "string" },
  budget: { type: "string" },
  "end-user-rate-limit": { type: "string" },
  limit: { type: "string" },
} as const;

/** The admin CLI, as the operator of its actions' audit entries. */
const CLI = { label: "cli" };

/** `--scope admin,run` → the key's scopes (default: run). */
function scopesArg(raw: string | undefined): ApiScope[] | undefined {
  if (raw === undefined) return undefined;
  const scopes = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.find((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown !== undefined || !scopes.length)
    throw new AppError("invalid_request", `--scope must list ${API_SCOPES.join(" and/or ")}, comma-separated`);
  return scopes as ApiScope[];
}

function jsonArg(name: string, raw: string): Record<string, unknown> {
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError("invalid_request", `--${name} must be JSON`);
  }
}

/** `--var name:type` / `--var level:enum:a|b|c` → the variables' type metadata. */
function typedVars(specs: string[] | undefined) {
  const out: Array<{ name: string; type: VariableType; values?: string[] }> = [];
  for (const spec of specs ?? []) {
    const [name = "", type = "", ...rest] = spec.split(":");
    const values = rest.join(":").split("|").filter(Boolean);
    if (!name) throw new AppError("invalid_request", `--var ${spec}: expected <name>:<type>`);
    if (!(VARIABLE_TYPES as readonly string[]).includes(type))
      throw new AppError("invalid_request", `--var ${spec}: the type must be one of ${VARIABLE_TYPES.join(", ")}`);
    if (type === "enum" && !values.length)
      throw new AppError("invalid_request", `--var ${spec}: an enum lists its values, e.g. --var level:enum:a|b|c`);
    if (out.some((v) => v.name === name)) throw new AppError("invalid_request", `--var ${name} is given twice`);
    out.push({ name, type: type as VariableType, ...(type === "enum" ? { values } : {}) });
  }
  return out;
}

/** Runs one admin command and returns the JSON object to print. Throws AppError with a usable message. */
export async function runAdminCommand(argv: string[]): Promise<Record<string, unknown>> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new AppError("invalid_request", `${(e as Error).message}\n${ADMIN_USAGE}`);
  }
  const { values: v, positionals } = parsed;
  const need = (name: keyof typeof OPTIONS) => {
    const value = v[name];
    if (typeof value !== "string" || !value) throw new AppError("invalid_request", `--${name} is required\n${ADMIN_USAGE}`);
    return value;
  };
  const int = (name: keyof typeof OPTIONS, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) throw new AppError("invalid_request", `--${name} must be an integer`);
    return Number(raw);
  };

  switch (positionals.join(" ")) {
    case "org create":
      return createOrg({ name: need("name"), credits: int("credits", v.credits) ?? 0 });
    case "org set": {
      const days = v["retention-days"];
      const mask = v["mask-pii"];
      if (days === undefined && mask === undefined)
        throw new AppError("invalid_request", `org set needs --retention-days or --mask-pii\n${ADMIN_USAGE}`);
      if (mask !== undefined && mask !== "on" && mask !== "off") throw new AppError("invalid_request", "--mask-pii must be on or off");
      if (days !== undefined && days !== "forever" && !/^\d+$/.test(days))
        throw new AppError("invalid_request", "--retention-days must be a whole number of days (0: metering only) or forever");
      return setStorageSettings({
        orgId: need("org"),
        actorId: null,
        retentionDays: days === undefined ? undefined : days === "forever" ? null : Number(days),
        maskPii: mask === undefined ? undefined : mask === "on",
      });
    }
    case "key create":
      return createApiKey({
        orgId: need("org"),
        name: v.name,
        rateLimitPerMinute: int("rate-limit", v["rate-limit"]),
        endUserRateLimitPerMinute: int("end-user-rate-limit", v["end-user-rate-limit"]),
        scopes: scopesArg(v.scope),
      });
    case "key revoke":
      return revokeApiKey({ orgId: need("org"), keyId: need("key") });
    case "workflow create":
      return createWorkflow({
        orgId: need("org"),
        name: need("name"),
        template: need("template"),
        system: v.system,
        model: v.model,
        maxOutputTokens: int("max-output-tokens", v["max-output-tokens"]),
        temperature: v.temperature === undefined ? undefined : Number(v.temperature),
        webSearch: v["web-search"] ?? false,
        publish: v.publish ?? false,
        fallbackModels: v["fallback-models"]
          ?.split(",")
          .map((m) => m.trim())
          .filter(Boolean),
        maxAttempts: int("max-attempts", v["max-attempts"]),
        variables: v.var ? typedVars(v.var) : undefined,
        outputSchema: v["output-schema"] === undefined ? undefined : jsonArg("output-schema", v["output-schema"]),
        // Checked by createWorkflow with the same schema as every other way in.
        tools:
          v["tools-file"] === undefined ? undefined : (jsonArg("tools-file", await readDocument(v["tools-file"], "--tools-file")) as never),
        maxSteps: int("max-steps", v["max-steps"]),
      });
    case "workflow publish":
      return publishVersion({ orgId: need("org"), workflowId: need("workflow"), note: v.note });
    case "workflow unpublish":
      return unpublishWorkflow({ orgId: need("org"), workflowId: need("workflow") });
    case "workflow export":
      return exportWorkflow(need("org"), need("workflow"));
    case "workflow import": {
      const doc = parseWorkflowDocument(await readDocument(need("file")), defaultModelId());
      return importWorkflow({ orgId: need("org"), doc, draftOnly: v["draft-only"] ?? false });
    }
    case "label move": {
      const version = int("version", need("version"))!;
      return moveLabel({ orgId: need("org"), workflowId: need("workflow"), label: need("label"), version, actorId: null });
    }
    case "label split":
      return splitLabel({
        orgId: need("org"),
        workflowId: need("workflow"),
        label: need("label"),
        weights: parseSplitSpec(need("weights")),
        actorId: null,
      });
    case "eval import": {
      const file = need("file");
      const out = await importEvalCases({
        orgId: need("org"),
        workflowId: need("workflow"),
        text: await readDocument(file),
        format: file.endsWith(".csv") ? "csv" : "jsonl",
      });
      // A file with bad lines imports nothing: CI must see it fail.
      return out.errors.length ? { ...out, exit_code: 1 } : out;
    }
    case "eval run": {
      const out = await runEval({ orgId: need("org"), workflowId: need("workflow"), target: int("version", v.version) ?? "draft" });
      return out.ok ? out : { ...out, exit_code: 1 };
    }
    case "eval judge-model":
      return setJudgeModel({ orgId: need("org"), model: v.model ?? null });
    case "credits grant": {
      const amount = int("amount", need("amount"))!;
      const res = await adjustOrgCredits({ orgId: need("org"), amount, reason: need("reason"), operator: CLI });
      return { org_id: res.org_id, granted: res.amount, balance: res.balance, reason: res.reason };
    }
    case "org suspend":
      return suspendOrg({ orgId: need("org"), reason: need("reason"), operator: CLI });
    case "org unsuspend":
      return unsuspendOrg({ orgId: need("org"), reason: v.reason, operator: CLI });
    case "operator add":
      return addOperator({ email: need("email"), addedBy: CLI.label });
    case "operator remove":
      return removeOperator({ email: need("email") });
    case "operator list":
      return { operators: await listOperators() };
    case "billing pack create":
      return createPack({
        name: need("name"),
        credits: int("credits", need("credits"))!,
        priceCents: int("price-cents", need("price-cents"))!,
        currency: v.currency,
      });
    case "billing pack list":
      return { packs: await listPacks({ includeArchived: v.all ?? false }) };
    case "billing pack archive":
      return archivePack(need("pack"));
    case "model price":
      return setModelPrice({ model: need("model"), input: int("input", need("input"))!, output: int("output", need("output"))! });
    case "model list":
      return { unit: "credits per 1M tokens", models: await listPrices() };
    case "webhook create":
      return createWebhookEndpoint({
        orgId: need("org"),
        url: need("url"),
        includeData: v["include-data"] ?? false,
        events: need("events")
          .split(",")
          .map((e) => e.trim())
          .filter(Boolean) as never,
      });
    case "workflow end-user-rate-limit":
      return setWorkflowEndUserRateLimit({
        orgId: need("org"),
        workflowId: need("workflow"),
        limit: need("limit") === "none" ? null : (int("limit", need("limit")) ?? null),
      });
    case "budget set":
      return {
        budget: await setBudgetFromCli(need("org"), {
          name: v.name,
          scope: need("scope"),
          credits: int("credits", need("credits")),
          period: need("period"),
          workflow_id: v.workflow,
          api_key_id: v.key,
          alert_at: v["alert-at"]
            ?.split(",")
            .filter((x) => x.trim())
            .map((x) => int("alert-at", x.trim())),
        }),
      };
    case "budget list":
      return { budgets: await listBudgets(need("org")) };
    case "budget remove":
      await deleteBudget({ orgId: need("org"), actorId: null }, need("budget"));
      return { deleted: v.budget };
    case "webhook list":
      return { webhooks: await listWebhooks(need("org")) };
    case "webhook deliveries":
      return { deliveries: await listDeliveries({ orgId: need("org"), endpointId: v.webhook }) };
    case "webhook redeliver":
      return redeliverWebhook({ orgId: need("org"), deliveryId: need("delivery") });
    case "webhook enable":
      return enableWebhook({ orgId: need("org"), endpointId: need("webhook") });
    case "webhook delete":
      return deleteWebhook({ orgId: need("org"), endpointId: need("webhook") });
    // The API's answers (GET and POST /api/v1/tools/signing-secret[/rotate]), for an operator without an admin key.
    case "tools signing-secret show":
      return { secret: await toolSigningSecret(need("org")) };
    case "tools signing-secret rotate":
      return rotateToolSigningSecret({ orgId: need("org"), actorId: null });
    default:
      throw new AppError("invalid_request", `Unknown command "${positionals.join(" ")}"\n${ADMIN_USAGE}`);
  }
}

/** A document file, bounded before it is read (an export of 200 long versions is well under this). */
async function readDocument(path: string, flag = "--file"): Promise<string> {
  const size = await stat(path).then(
    (s) => s.size,
    () => {
      throw new AppError("invalid_request", `${flag}: cannot read ${path}`);
    },
  );
  if (size > MAX_DOCUMENT_BYTES) throw new AppError("payload_too_large", `${flag} is ${size} bytes (at most ${MAX_DOCUMENT_BYTES})`);
  return readFile(path, "utf8");
}
