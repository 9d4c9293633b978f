#!/usr/bin/env node
// flowgate: prompts as code. Talks to a Flowgate instance through its management API with an
// admin-scope key (docs/ci.md). Plain Node (>= 22), no dependencies: `npx flowgate …` in any repo.
//
//   FLOWGATE_URL=https://flowgate.example.com FLOWGATE_API_KEY=sk_… npx flowgate pull
//
// The key is read from the environment only, never from an argument (arguments show in process
// lists and CI logs).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

const USAGE = `Usage: flowgate <command> [options]      (FLOWGATE_URL and FLOWGATE_API_KEY, an admin-scope key, in the environment)

  pull [--dir prompts] [--workflow wf_…]       write each workflow as <dir>/<workflow_id>.json (the export format)
  diff [--dir prompts]                         what push would change in each draft (exit 0; --exit-code: 1 when anything differs)
  push [--dir prompts] [--publish] [--note t]  save changed files as the drafts; --publish: publish those whose draft differs from the latest version
  eval [--dir prompts] [--workflow wf_…] [--version n|draft] [--wait] [--timeout 900]
                                               queue an eval of each workflow; --wait: wait and exit 1 unless every eval passes`;

/** The draft's fields a file carries and push sends (the export's names, the management API's). */
const FIELDS = ["name", "description", "system", "template", "model", "temperature", "max_output_tokens", "web_search"];

class CliError extends Error {}

function config() {
  const url = (process.env.FLOWGATE_URL ?? "").replace(/\/+$/, "");
  const key = process.env.FLOWGATE_API_KEY ?? "";
  if (!url) throw new CliError("FLOWGATE_URL is not set (e.g. https://flowgate.example.com)");
  if (!key) throw new CliError("FLOWGATE_API_KEY is not set (an admin-scope key: npm run admin -- key create --org org_… --scope admin)");
  return { url, key };
}

async function api(cfg, method, route, { json, idempotencyKey } = {}) {
  const headers = { authorization: `Bearer ${cfg.key}`, accept: "application/json" };
  if (json !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const res = await fetch(`${cfg.url}${route}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new CliError(`${method} ${route}: ${res.status} ${body.error ?? res.statusText}${body.code ? ` (${body.code})` : ""}`);
  return { status: res.status, body };
}

const sha = (s) => createHash("sha256").update(s).digest("hex").slice(0, 32);
const draftOf = (doc) =>
  Object.fromEntries(FIELDS.map((f) => [f, f === "name" || f === "description" ? (doc[f] ?? "") : (doc.draft?.[f] ?? null)]));

async function localFiles(dir) {
  let names;
  try {
    names = await readdir(dir);
  } catch {
    throw new CliError(`${dir}: no such directory (run flowgate pull first)`);
  }
  const out = [];
  for (const name of names.filter((n) => /^wf_[A-Za-z0-9]+\.json$/.test(n)).sort()) {
    const file = path.join(dir, name);
    let doc;
    try {
      doc = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw new CliError(`${file}: not valid JSON (${e.message})`);
    }
    out.push({ file, workflowId: name.slice(0, -".json".length), doc });
  }
  return out;
}

/** Field-by-field changes from the remote draft to the local file, as printable lines. */
function changes(remote, local) {
  const lines = [];
  for (const f of FIELDS) {
    const a = remote[f];
    const b = local[f];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (typeof a === "string" && typeof b === "string" && (a.includes("\n") || b.includes("\n"))) {
      lines.push(`  ${f}:`);
      const al = a.split("\n");
      const bl = b.split("\n");
      for (const l of al) if (!bl.includes(l)) lines.push(`  - ${l}`);
      for (const l of bl) if (!al.includes(l)) lines.push(`  + ${l}`);
    } else lines.push(`  ${f}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  }
  return lines;
}

async function pull(cfg, o) {
  await mkdir(o.dir, { recursive: true });
  const ids = o.workflow ? [o.workflow] : (await api(cfg, "GET", "/api/v1/workflows")).body.workflows.map((w) => w.workflow_id ?? w.id);
  for (const id of ids) {
    const { body } = await api(cfg, "GET", `/api/v1/workflows/${encodeURIComponent(id)}/export`);
    await writeFile(path.join(o.dir, `${id}.json`), `${JSON.stringify(body, null, 2)}\n`);
    console.log(`pulled ${id} (${body.name})`);
  }
  return 0;
}

async function diff(cfg, o) {
  let differs = false;
  for (const f of await localFiles(o.dir)) {
    const remote = (await api(cfg, "GET", `/api/v1/workflows/${f.workflowId}/export`)).body;
    const lines = changes(draftOf(remote), draftOf(f.doc));
    if (!lines.length) continue;
    differs = true;
    console.log(`${f.workflowId} (${f.file}):`);
    for (const l of lines) console.log(l);
  }
  if (!differs) console.log("no changes");
  return differs && o["exit-code"] ? 1 : 0;
}

async function push(cfg, o) {
  for (const f of await localFiles(o.dir)) {
    const remote = (await api(cfg, "GET", `/api/v1/workflows/${f.workflowId}/export`)).body;
    const local = draftOf(f.doc);
    const patch = Object.fromEntries(
      FIELDS.filter((k) => JSON.stringify(draftOf(remote)[k]) !== JSON.stringify(local[k])).map((k) => [k, local[k]]),
    );
    if (Object.keys(patch).length) {
      // The same change retried (a CI re-run) is the same request: the server answers it once.
      await api(cfg, "PATCH", `/api/v1/workflows/${f.workflowId}`, {
        json: patch,
        idempotencyKey: `flowgate-push-${sha(f.workflowId + JSON.stringify(patch))}`,
      });
      console.log(`pushed ${f.workflowId}: ${Object.keys(patch).join(", ")}`);
    }
    if (!o.publish) continue;
    const latest = [...(remote.versions ?? [])].sort((a, b) => b.version - a.version)[0];
    const latestDraft = latest && draftOf({ name: local.name, description: local.description, draft: latest });
    if (latestDraft && !changes(latestDraft, local).length) {
      console.log(`${f.workflowId}: v${latest.version} already has this content, not published`);
      continue;
    }
    const note = o.note ?? "flowgate push";
    const { body } = await api(cfg, "POST", `/api/v1/workflows/${f.workflowId}/publish`, {
      json: { note },
      idempotencyKey: `flowgate-publish-${sha(f.workflowId + JSON.stringify(local) + note)}`,
    });
    console.log(`published ${f.workflowId} as v${body.version}`);
  }
  return 0;
}

async function evaluate(cfg, o) {
  const ids = o.workflow ? [o.workflow] : (await localFiles(o.dir)).map((f) => f.workflowId);
  if (!ids.length) throw new CliError(`no workflows to evaluate in ${o.dir}`);
  const version = o.version === undefined || o.version === "draft" ? "draft" : Number(o.version);
  if (version !== "draft" && !(Number.isInteger(version) && version > 0)) throw new CliError("--version must be a version number or draft");
  const queued = [];
  for (const id of ids) {
    const { body } = await api(cfg, "POST", `/api/v1/workflows/${id}/evals`, { json: { version } });
    console.log(`queued eval ${body.eval_id} of ${id} (${body.target})`);
    queued.push(body.eval_id);
  }
  if (!o.wait) return 0;
  const deadline = Date.now() + Number(o.timeout ?? 900) * 1000;
  let failed = 0;
  for (const evalId of queued) {
    let e;
    for (;;) {
      e = (await api(cfg, "GET", `/api/v1/evals/${evalId}`)).body;
      if (e.status === "completed" || e.status === "failed") break;
      if (Date.now() > deadline) throw new CliError(`eval ${evalId} still ${e.status} after --timeout`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(
      `${e.workflow_id} ${e.target}: ${e.status}, ${e.passed}/${e.cases} passed, ${e.credits_charged} credits${e.error ? ` (${e.error})` : ""}`,
    );
    for (const r of e.results.filter((x) => !x.passed)) {
      console.log(`  ✗ ${r.name}: ${[r.error, ...r.checks.filter((c) => !c.ok).map((c) => c.message)].filter(Boolean).join("; ")}`);
    }
    if (!e.ok) failed++;
  }
  return failed ? 1 : 0;
}

async function main(argv) {
  const { values: o, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: "string", default: "prompts" },
      workflow: { type: "string" },
      publish: { type: "boolean" },
      note: { type: "string" },
      version: { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
      "exit-code": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  const [command] = positionals;
  if (o.help || !command) return (console.log(USAGE), command ? 0 : 2);
  const commands = { pull, diff, push, eval: evaluate };
  if (!commands[command]) throw new CliError(`unknown command ${command}\n${USAGE}`);
  return commands[command](config(), o);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(`flowgate: ${e instanceof CliError || e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? e.message : (e?.stack ?? e)}`);
    process.exitCode = 2;
  },
);
