// The import boundaries of STYLE.md, enforced (`npm run lint`, and CI after the type check):
//   app → lib → db; components are UI only; lib/api belongs to the route files; env is read in one place.
// Only boundary rules live here: formatting and types are the type checker's and the reviewer's.
//
// Parser: typescript-eslint needs the TypeScript 5 compiler API, which TypeScript 7 (this repo's
// compiler) no longer ships, and it refuses to install beside it. Babel's parser reads TypeScript
// syntax without it, and the rules below need nothing but the syntax tree.
import { readFileSync } from "node:fs";
import path from "node:path";
import babelParser from "@babel/eslint-parser";

const ROOT = import.meta.dirname;

const parserFor = (plugins) => ({
  parser: babelParser,
  parserOptions: {
    requireConfigFile: false,
    babelOptions: { babelrc: false, configFile: false, parserOpts: { plugins } },
  },
});

const DB = { group: ["@/db", "@/db/**"], message: "Pages, routes and components reach the database through lib/ (app → lib → db)." };
const LIB_API = { group: ["@/lib/api", "@/lib/api/**"], message: "lib/api is the request pipeline of app/api/**; other code calls the domain modules in lib/." };
const UPWARD = { group: ["@/app/**", "@/components/**"], message: "Imports go one way: app → lib → db. Move the shared piece down into lib/." };
const restrict = (...patterns) => ["error", { patterns }];
// A layer of the run core may not import the folders named (README, Architecture: the run core).
const layer = (folder, ...banned) => ({
  group: banned.flatMap((f) => [`@/lib/${f}`, `@/lib/${f}/**`]),
  message: `${folder} may not import lib/{${banned.join(",")}}: the run core's layers import one way (README, Architecture).`,
});

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
        const client = context.filename.startsWith(path.join(ROOT, "components") + path.sep) ||
          context.sourceCode.ast.body.some((n) => n.type === "ExpressionStatement" && n.directive === "use client");
        if (!client) return {};
        return {
          ImportDeclaration(node) {
            if (node.importKind === "type") return;
            const spec = node.source.value;
            if (isServerOnly(spec)) context.report({ node, message: `'${spec}' is server-only (import "server-only"); a client module cannot import it.` });
          },
        };
      },
    },
  },
};

export default [
  { ignores: ["node_modules/**", ".next/**", ".data/**", "bench/results/**", "db/migrations/**", "next-env.d.ts", "**/*.js", "**/*.mjs"] },
  { files: ["**/*.ts"], languageOptions: parserFor(["typescript"]) },
  { files: ["**/*.tsx"], languageOptions: parserFor(["typescript", "jsx"]) },

  {
    files: ["**/*.ts", "**/*.tsx"],
    plugins: { boundaries },
    rules: {
      "boundaries/no-server-only-in-client": "error",
      // Configuration is parsed and validated once (lib/env.ts); a stray process.env read skips it.
      "no-restricted-syntax": ["error", {
        selector: "MemberExpression[object.name='process'][property.name='env']",
        message: "Read configuration through getEnv() (lib/env.ts), the one place that parses process.env.",
      }],
    },
  },

  { files: ["app/api/**"], rules: { "no-restricted-imports": restrict(DB) } },
  { files: ["app/**"], ignores: ["app/api/**"], rules: { "no-restricted-imports": restrict(DB, LIB_API) } },
  { files: ["components/**"], rules: { "no-restricted-imports": restrict(DB, LIB_API) } },
  { files: ["lib/**"], ignores: ["lib/api/**", "lib/openapi/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API) } },
  // The API document is built from the routes' own specs (lib/api/endpoints): it reads them, it runs none.
  { files: ["lib/api/**", "lib/openapi/**"], rules: { "no-restricted-imports": restrict(UPWARD) } },
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
  { files: ["lib/llm/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/llm", "runs", "credits", "workflows", "transports", "server")) } },
  { files: ["lib/credits/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/credits", "runs", "transports", "server")) } },
  { files: ["lib/runs/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/runs", "transports", "server")) } },
  { files: ["lib/transports/**"], rules: { "no-restricted-imports": restrict(UPWARD, LIB_API, layer("lib/transports", "server")) } },
  // ---- end of the run core's layers ----

  {
    // Where process.env is the right source:
    // lib/env.ts parses it; drizzle.config.ts runs in drizzle-kit, outside the app; next.config.ts
    // configures Next before any app code; instrumentation.ts tests NEXT_RUNTIME, which Next
    // replaces at build time (it is not configuration); scripts/, bench/ and tests/ set up the
    // environment of the processes they start, and vitest.config.ts picks test projects.
    files: ["lib/env.ts", "drizzle.config.ts", "next.config.ts", "instrumentation.ts", "vitest.config.ts", "scripts/**", "bench/**", "tests/**"],
    rules: { "no-restricted-syntax": "off" },
  },
];
