// The import boundaries of STYLE.md, enforced (`npm run lint`, and CI after the type check):
//   app → lib → db; components are UI only and never import app/; lib/api belongs to the route files;
//   each lib/ folder imports only what MAY_IMPORT lists; no import circles; env is read in one place.
// Only boundary rules live here: formatting and types are the type checker's and the reviewer's.
//
// Plugins: eslint-plugin-import-x for what resolving imports takes (no-cycle, no-restricted-paths);
// dependency-cruiser, langfuse's choice, parses TypeScript with the compiler API, which TypeScript 7
// no longer ships.
// Parser: typescript-eslint needs the TypeScript 5 compiler API, which TypeScript 7 (this repo's
// compiler) no longer ships, and it refuses to install beside it. Babel's parser reads TypeScript
// syntax without it, and the rules below need nothing but the syntax tree.
import { readFileSync } from "node:fs";
import path from "node:path";
import babelParser from "@babel/eslint-parser";
import { importX } from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const ROOT = import.meta.dirname;

const parserFor = (plugins) => ({
  parser: babelParser,
  parserOptions: {
    requireConfigFile: false,
    babelOptions: { babelrc: false, configFile: false, parserOpts: { plugins } },
  },
});

// What each lib/ folder may import besides itself (folders, and the top-level files of lib/, by
// name; "db" is db/). Resolved paths, so relative and `@/` imports count alike; `import type` too.
// Written from the imports as they are: a folder that needs a new neighbour adds it here, in review.
// Two-way pairs still present, to be cut (not added to): auth ↔ orgs, evals ↔ workflows,
// queue ↔ webhooks, queue ↔ runs, auth ↔ notices (and env → llm, for the providers setting). The run core's rows
// (llm, credits, runs, transports, server) are its layers, one way (README, Architecture): each is
// also held by the "run core's layers" block below.
const LEAVES = ["env", "errors", "ids", "logger", "process-singleton", "server-timing", "public-base-url"];
const MAY_IMPORT = {
  admin: ["auth", "billing", "budgets", "credits", "errors", "evals", "llm", "operator", "orgs", "tools", "webhooks", "workflows"],
  api: [
    "db",
    "auth",
    "billing",
    "budgets",
    "evals",
    "feedback",
    "health",
    "idempotency",
    "ratelimit",
    "runs",
    "sessions",
    "snippets",
    "stream-tokens",
    "telemetry",
    "tools",
    "transports",
    "usage",
    "validation",
    "workflows",
    ...LEAVES,
  ],
  account: ["db", "audit"],
  audit: ["db", "logger"],
  billing: ["db", "credits", "queue", "webhooks", ...LEAVES],
  budgets: ["db", "audit", "credits", "notices", "queue", "webhooks", ...LEAVES],
  auth: ["db", "secrets", "account", "mail", "notices", "ratelimit", "audit", "cache", "credits", "orgs", ...LEAVES],
  cache: ["env", "process-singleton"],
  credits: ["db", "auth", "llm", "queue", ...LEAVES],
  dashboard: ["db", "auth", "billing", "budgets", "credits", "errors", "feedback", "llm", "runs", "webhooks", "workflows"],
  evals: ["db", "auth", "llm", "queue", "runs", "validation", "webhooks", "workflows", ...LEAVES],
  feedback: ["db", "auth", "runs", "workflows"],
  idempotency: ["db", "env", "errors", "ids"],
  llm: ["db", "cache", ...LEAVES],
  mail: ["db", "queue", ...LEAVES],
  notices: ["db", "auth", "mail", "secrets", ...LEAVES],
  operator: ["db", "audit", "auth", "credits", ...LEAVES],
  orgs: ["db", "mail", "audit", "auth", "credits", "retention", "env", "errors", "ids"],
  "operator-console": ["db", "auth", "llm", "operator", ...LEAVES],
  queue: ["db", "runs", "webhooks", "logger", "process-singleton"],
  ratelimit: ["env", "logger", "process-singleton"],
  retention: ["db", "cache", ...LEAVES],
  runs: ["db", "auth", "credits", "llm", "queue", "retention", "sessions", "telemetry", "tools", "validation", "workflows", ...LEAVES],
  server: [
    "db",
    "mail",
    "notices",
    "auth",
    "billing",
    "budgets",
    "credits",
    "evals",
    "idempotency",
    "llm",
    "orgs",
    "queue",
    "retention",
    "runs",
    "telemetry",
    "webhooks",
    "workflows",
    ...LEAVES,
  ],
  sessions: ["db", "auth", "credits", "llm", "validation", "workflows", "env", "errors"],
  secrets: [...LEAVES],
  snippets: [],
  "stream-tokens": ["db", "auth", "validation", "workflows", "errors", "ids"],
  telemetry: ["env", "errors", "logger", "process-singleton"],
  // Server tools (issue 31): HTTP and MCP calls with the webhooks' address checks and signing; no workflows (which list MCP servers through it).
  tools: ["db", "audit", "cache", "secrets", "webhooks", ...LEAVES],
  transports: ["db", "auth", "llm", "runs", "validation", "workflows", ...LEAVES],
  usage: ["db", "errors"],
  validation: ["errors"],
  webhooks: ["db", "notices", "audit", "queue", "validation", "env", "errors", "ids"],
  workflows: ["db", "audit", "cache", "evals", "llm", "queue", "secrets", "snippets", "tools", "validation", "webhooks", "errors", "ids"],
};
// The top-level files of lib/: the leaves import only each other (env → llm aside), the rest wire folders together.
const MAY_IMPORT_FILES = {
  "bench-routes.ts": ["env", "runs", "server"],
  "health.ts": ["db", "llm", "ratelimit", "runs"],
  "env.ts": ["llm"],
};
const asPath = (name) => (name === "db" ? null : MAY_IMPORT[name] ? `./${name}` : `./${name}.ts`);
const libZone = (target, allowed, self) => [
  {
    target,
    from: "./lib",
    except: [...(self ? [`./${self}`] : []), ...allowed.map(asPath).filter(Boolean)],
    message: "not in this folder's MAY_IMPORT row (eslint.config.mjs)",
  },
  ...(allowed.includes("db")
    ? []
    : [{ target, from: "./db", message: "this lib/ folder does not use the database (MAY_IMPORT, eslint.config.mjs)" }]),
];
const libZones = [
  ...Object.entries(MAY_IMPORT).flatMap(([folder, allowed]) => libZone(`./lib/${folder}/**`, allowed, folder)),
  ...Object.entries(MAY_IMPORT_FILES).flatMap(([file, allowed]) => libZone(`./lib/${file}`, allowed, null)),
  ...LEAVES.filter((l) => !MAY_IMPORT_FILES[`${l}.ts`]).flatMap((leaf) => libZone(`./lib/${leaf}.ts`, LEAVES, null)),
];

const DB = { group: ["@/db", "@/db/**"], message: "Pages, routes and components reach the database through lib/ (app → lib → db)." };
const LIB_API = {
  group: ["@/lib/api", "@/lib/api/**"],
  message: "lib/api is the request pipeline of app/api/**; other code calls the domain modules in lib/.",
};
const UPWARD = {
  group: ["@/app/**", "@/components/**"],
  message: "Imports go one way: app → lib → db. Move the shared piece down into lib/.",
};
const APP = {
  group: ["@/app/**"],
  message: "components/ is shared UI: it never imports app/. A piece used by one page (and its server actions) sits beside that page.",
};
const restrict = (...patterns) => ["error", { patterns }];
// A layer of the run core may not import the folders named (README, Architecture: the run core).
const layer = (folder, ...banned) => ({
  group: banned.flatMap((f) => [`@/lib/${f}`, `@/lib/${f}/**`]),
  message: `${folder} may not import lib/{${banned.join(",")}}: the run core's layers import one way (README, Architecture).`,
});
// The API document (lib/api/openapi) describes the routes and runs none: the dashboard's API reference may read it.
const LIB_API_EXCEPT_DOCUMENT = { regex: "^@/lib/api(?!/openapi(/|$))(/.*)?$", message: LIB_API.message };

// A client module ("use client", or anything under components/) may not import a module marked
// `import "server-only"`: Next would fail the build, and the failure names the whole import chain.
// This names the one import to change, before a build. Direct imports only; Next checks the rest.
const serverOnlyMarker = /^\s*import\s+["']server-only["'];?\s*$/m;
const markedCache = new Map();
function isServerOnly(spec) {
  if (!spec.startsWith("@/")) return false;
  const base = path.join(ROOT, spec.slice(2));
  for (const file of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    if (!markedCache.has(file)) {
      let marked = null;
      try {
        marked = serverOnlyMarker.test(readFileSync(file, "utf8"));
      } catch {
        /* not this candidate */
      }
      markedCache.set(file, marked);
    }
    if (markedCache.get(file) !== null) return markedCache.get(file);
  }
  return false;
}
const boundaries = {
  rules: {
    "no-server-only-in-client": {
      meta: { type: "problem", schema: [] },
      create(context) {
        const client =
          context.filename.startsWith(path.join(ROOT, "components") + path.sep) ||
          context.sourceCode.ast.body.some((n) => n.type === "ExpressionStatement" && n.directive === "use client");
        if (!client) return {};
        return {
          ImportDeclaration(node) {
            if (node.importKind === "type") return;
            const spec = node.source.value;
            if (isServerOnly(spec))
              context.report({ node, message: `'${spec}' is server-only (import "server-only"); a client module cannot import it.` });
          },
        };
      },
    },
  },
};

export default [
  { ignores: ["node_modules/**", ".next/**", ".data/**", "bench/results/**", "db/migrations/**", "next-env.d.ts", "**/*.js", "**/*.mjs"] },
  // One parser setting for .ts and .tsx: import-x follows imports into other files with the
  // importing file's parser, and a .ts file may import a .tsx one (so no `<T>x` casts in .ts: `as`).
  { files: ["**/*.ts", "**/*.tsx"], languageOptions: parserFor(["typescript", "jsx"]) },

  {
    files: ["**/*.ts", "**/*.tsx"],
    plugins: { boundaries, "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: path.join(ROOT, "tsconfig.json") })],
      "import-x/extensions": [".ts", ".tsx"],
    },
    rules: {
      "boundaries/no-server-only-in-client": "error",
      // No import circles: a module's imports, followed, never lead back to it (type-only imports
      // aside; a dynamic import() counts). eslint-plugin-import-x resolves the `@/` paths.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // Configuration is parsed and validated once (lib/env.ts); a stray process.env read skips it.
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: "Read configuration through getEnv() (lib/env.ts), the one place that parses process.env.",
        },
      ],
    },
  },

  { files: ["app/api/**"], rules: { "no-restricted-imports": restrict(DB) } },
  { files: ["app/**"], ignores: ["app/api/**"], rules: { "no-restricted-imports": restrict(DB, LIB_API_EXCEPT_DOCUMENT) } },
  { files: ["components/**"], rules: { "no-restricted-imports": restrict(DB, LIB_API, APP) } },
  { files: ["lib/**"], ignores: ["lib/api/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API) } },
  { files: ["lib/api/**"], rules: { "no-restricted-imports": restrict(UPWARD) } },
  { files: ["lib/**"], rules: { "import-x/no-restricted-paths": ["error", { basePath: ROOT, zones: libZones }] } },
  {
    // db/ is data access: its own files, plus the leaves it needs to open the database (env, one
    // handle per process) and to fail in the documented envelope (errors). Nothing else in lib/
    // (that would make the arrow point back up).
    files: ["db/**"],
    rules: {
      "no-restricted-imports": restrict(UPWARD, {
        group: ["@/lib/**", "!@/lib/env", "!@/lib/errors", "!@/lib/ids", "!@/lib/process-singleton"],
        message: "db/ imports only its own files plus the leaves @/lib/env, @/lib/errors, @/lib/ids and @/lib/process-singleton.",
      }),
    },
  },

  // ---- The run core's layers (README, Architecture): what each folder may import. ----
  // llm (the model call) → credits (money) → runs (the lifecycle) → transports (Request and
  // Response) → server (process plumbing): each may import the folders before it, never one after.
  // These blocks replace the lib/** rule above for their folder, so they repeat its patterns.
  //   folder           may not import
  //   lib/llm          runs, credits, workflows, transports, server
  //   lib/credits      runs, transports, server
  //   lib/runs         transports, server
  //   lib/transports   server
  //   lib/server       (anything in lib/)
  //   all of lib/      app/, components/ (UPWARD)
  {
    files: ["lib/llm/**"],
    rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/llm", "runs", "credits", "workflows", "transports", "server")) },
  },
  {
    files: ["lib/credits/**"],
    rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/credits", "runs", "transports", "server")) },
  },
  { files: ["lib/runs/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/runs", "transports", "server")) } },
  { files: ["lib/transports/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/transports", "server")) } },
  // ---- end of the run core's layers ----

  {
    // Where process.env is the right source:
    // lib/env.ts parses it; drizzle.config.ts runs in drizzle-kit, outside the app; next.config.ts
    // configures Next before any app code; instrumentation.ts tests NEXT_RUNTIME, which Next
    // replaces at build time (it is not configuration); scripts/, bench/ and tests/ set up the
    // environment of the processes they start, and vitest.config.ts picks test projects.
    files: [
      "lib/env.ts",
      "drizzle.config.ts",
      "next.config.ts",
      "instrumentation.ts",
      "vitest.config.ts",
      "scripts/**",
      "bench/**",
      "tests/**",
    ],
    rules: { "no-restricted-syntax": "off" },
  },
];
