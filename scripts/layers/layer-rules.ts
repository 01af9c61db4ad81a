/**
 * What may import what: the layers of docs/architecture.md as data the build checks
 * (`check-layers.ts`, run by `npm test`). A rule names the files it governs and the imports it
 * refuses; a refusal says why, so the failure message teaches the rule.
 */
import type { Import } from "./import-graph.ts";

export type LayerRule = {
  name: string;
  why: string;
  governs(file: string): boolean;
  refuses(imported: Import): boolean;
};

const isQueries = (file: string | undefined) => !!file && file.endsWith(".queries.ts");
const isDataLayer = (file: string) => file.startsWith("workers/db/");
const isPage = (file: string) => file.endsWith(".page.ts") || /^workers\/(.+\/)?pages\//.test(file);
const isEntry = (file: string) => file.endsWith(".routes.ts") || file.endsWith(".handlers.ts") || isPage(file);
const isDrizzle = (imported: Import) => imported.packageName === "drizzle-orm";
const isHono = (imported: Import) => imported.packageName === "hono" || imported.packageName === "@hono/zod-openapi";
const isZod = (imported: Import) => imported.packageName === "zod" || imported.packageName === "@hono/zod-openapi";
const inLib = (file: string | undefined) => !!file && file.startsWith("workers/lib/");
const isContract = (file: string | undefined) => !!file && file.endsWith(".contract.ts");

/** Modules that take a request (Hono's context or the Worker's `Env`): entries use them to build an action's context. */
const REQUEST_BOUND = new Set(["workers/request-context.ts", "workers/auth/gate.ts", "workers/effects.ts", "workers/app-env.ts"]);

export const LAYER_RULES: readonly LayerRule[] = [
  {
    name: "drizzle only in queries and workers/db",
    why: "D1 is reached only through a feature's *.queries.ts (reads, and writes as Changes) and the data layer's own pieces",
    governs: (file) => (file.startsWith("workers/") || file.startsWith("durable-objects/") ? !isQueries(file) && !isDataLayer(file) : true),
    refuses: isDrizzle,
  },
  {
    name: "entries never reach the data layer",
    why: "routes, handlers and pages call actions; only actions read queries and commit changes",
    governs: isEntry,
    refuses: (imported) => isDrizzle(imported) || isQueries(imported.file),
  },
  {
    name: "queries know neither auth nor Hono",
    why: "a query takes plain values: who may run it is decided before, by the gate and the actions",
    governs: (file) => isQueries(file),
    refuses: (imported) => isHono(imported) || !!imported.file?.startsWith("workers/auth/"),
  },
  {
    name: "actions are framework-free",
    why: "an action takes one small context, so the API, the console, proposals and the proxy call it alike",
    governs: (file) => file.endsWith(".actions.ts"),
    refuses: (imported) => isHono(imported) || (!!imported.file && (isEntry(imported.file) || REQUEST_BOUND.has(imported.file))),
  },
  {
    name: "lib/ imports no feature",
    why: "workers/lib/ is pure trust-boundary logic shared by every feature and the CLI; features depend on it, never the reverse",
    governs: (file) => inLib(file),
    refuses: (imported) => (!!imported.file && !inLib(imported.file)) || isDrizzle(imported) || (isHono(imported) && !isZod(imported)),
  },
  {
    name: "contracts are plain schemas",
    why: "a contract is shared with the CLI: zod, lib/ and other contracts (a proposal's view holds a service's), nothing with bindings",
    governs: (file) => isContract(file),
    refuses: (imported) => (imported.packageName ? !isZod(imported) : !inLib(imported.file) && !isContract(imported.file)),
  },
  {
    name: "the CLI imports only contracts and lib/ from the edge",
    why: "the CLI runs on a developer's machine: it shares the edge's shapes and pure rules, never its handlers or bindings",
    governs: (file) => file.startsWith("cli/"),
    refuses: (imported) => !!imported.file && !imported.file.startsWith("cli/") && !inLib(imported.file) && !isContract(imported.file),
  },
];
