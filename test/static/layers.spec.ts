import { describe, expect, it } from "vitest";
import { checkLayers, checkProject, describeReport } from "../../scripts/layers/check-layers.ts";
import { importsOf, type ImportGraph } from "../../scripts/layers/import-graph.ts";

/** A graph from file → source text, as `readImportGraph` would build it from disk. */
function graphOf(files: Record<string, string>): ImportGraph {
  return new Map(Object.entries(files).map(([file, text]) => [file, importsOf(file, text)]));
}

describe("the project's imports follow its layers (docs/architecture.md)", () => {
  it("no import breaks a rule, and no files import each other in a cycle", () => {
    expect(describeReport(checkProject())).toEqual([]);
  });
});

describe("the layer check refuses each deliberate violation", () => {
  const clean = {
    "workers/lib/crypto/tokens.ts": `export const x = 1;`,
    "workers/vaults/vaults.contract.ts": `import { z } from "zod"; import { x } from "../lib/tokens.ts";`,
    "workers/vaults/vaults.queries.ts": `import { eq } from "drizzle-orm"; import type { Vault } from "./vaults.contract.ts";`,
    "workers/vaults/vaults.actions.ts": `import { listVaults } from "./vaults.queries.ts";`,
    "workers/vaults/vaults.handlers.ts": `import { OpenAPIHono } from "@hono/zod-openapi"; import { list } from "./vaults.actions.ts";`,
    "cli/commands/vault.ts": `import { VaultView } from "../../workers/vaults/vaults.contract.ts";`,
  };

  it("accepts a graph that follows every rule", () => {
    expect(describeReport(checkLayers(graphOf(clean)))).toEqual([]);
  });

  const cases: [string, Record<string, string>, string][] = [
    ["a handler importing drizzle", { "workers/vaults/vaults.handlers.ts": `import { eq } from "drizzle-orm";` }, "entries never reach the data layer"],
    [
      "a handler importing queries",
      { "workers/vaults/vaults.handlers.ts": `import { listVaults } from "./vaults.queries.ts";` },
      "entries never reach the data layer",
    ],
    [
      "a page importing queries",
      { "workers/vaults/pages/vault.page.ts": `import type { Row } from "../vaults.queries.ts";` },
      "entries never reach the data layer",
    ],
    ["drizzle outside queries", { "durable-objects/proposal-watch.ts": `import { eq } from "drizzle-orm";` }, "drizzle only in queries and workers/db"],
    ["queries importing auth", { "workers/vaults/vaults.queries.ts": `import { gate } from "../auth/gate.ts";` }, "queries know neither auth nor Hono"],
    ["queries importing Hono", { "workers/vaults/vaults.queries.ts": `import type { Context } from "hono";` }, "queries know neither auth nor Hono"],
    ["an action importing Hono", { "workers/vaults/vaults.actions.ts": `import type { Context } from "hono";` }, "actions are framework-free"],
    [
      "an action building its own context from a request",
      { "workers/vaults/vaults.actions.ts": `import { actionContextOf } from "../request-context.ts";` },
      "actions are framework-free",
    ],
    ["lib importing a feature", { "workers/lib/error-codes.ts": `import type { Codes } from "../vaults/vaults.contract.ts";` }, "lib/ imports no feature"],
    ["a contract importing queries", { "workers/vaults/vaults.contract.ts": `import { x } from "../users/users.queries.ts";` }, "contracts are plain schemas"],
    ["a contract importing a package", { "workers/vaults/vaults.contract.ts": `import { Hono } from "hono";` }, "contracts are plain schemas"],
    [
      "the CLI importing a handler",
      { "cli/commands/vault.ts": `import { app } from "../../workers/vaults/vaults.handlers.ts";` },
      "the CLI imports only contracts and lib/ from the edge",
    ],
  ];
  it.each(cases)("refuses %s, naming the file, the import and the rule", (_, change, rule) => {
    const [file] = Object.keys(change);
    const lines = describeReport(checkLayers(graphOf({ ...clean, ...change })));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !line.startsWith(`${file} imports `))).toEqual([]);
    expect(lines.filter((line) => line.includes(`breaks "${rule}"`))).toHaveLength(1);
  });

  it("finds a cycle, type imports included, and names every file in it", () => {
    const cyclic = {
      ...clean,
      "workers/env.ts": `import type { ActorGate } from "../durable-objects/actor-gate.ts";`,
      "durable-objects/actor-gate.ts": `import { configOf } from "../workers/config.ts";`,
      "workers/config.ts": `import type { Env } from "./env.ts";`,
    };
    const report = checkLayers(graphOf(cyclic));
    expect(report.cycles).toEqual([["durable-objects/actor-gate.ts", "workers/config.ts", "workers/env.ts"]]);
    expect(describeReport(report)).toEqual(["import cycle among: durable-objects/actor-gate.ts, workers/config.ts, workers/env.ts"]);
  });

  it("finds a file that imports itself", () => {
    expect(checkLayers(graphOf({ "cli/a.ts": `export * from "./a.ts";` })).cycles).toEqual([["cli/a.ts"]]);
  });
});
