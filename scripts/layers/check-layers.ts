/**
 * The layer check `npm test` runs: every import of workers/, durable-objects/ and cli/ held to
 * `LAYER_RULES`, and no import cycles. Prints each offending file with the import and the rule,
 * and exits 1. `checkLayers` is what the tests feed deliberate violations.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importCycles } from "./import-cycles.ts";
import { readImportGraph, type ImportGraph } from "./import-graph.ts";
import { LAYER_RULES, type LayerRule } from "./layer-rules.ts";

export type LayerViolation = { file: string; imports: string; rule: string; why: string };
export type LayerReport = { violations: LayerViolation[]; cycles: string[][] };

export const CHECKED_DIRS = ["workers", "durable-objects", "cli"] as const;

export function checkLayers(graph: ImportGraph, rules: readonly LayerRule[] = LAYER_RULES): LayerReport {
  const violations: LayerViolation[] = [];
  for (const [file, imports] of graph) {
    for (const rule of rules) {
      if (!rule.governs(file)) continue;
      for (const imported of imports) {
        if (rule.refuses(imported)) violations.push({ file, imports: imported.file ?? imported.specifier, rule: rule.name, why: rule.why });
      }
    }
  }
  return { violations, cycles: importCycles(graph) };
}

export function describeReport(report: LayerReport): string[] {
  return [
    ...report.violations.map((v) => `${v.file} imports ${v.imports}: breaks "${v.rule}" (${v.why})`),
    ...report.cycles.map((cycle) => `import cycle among: ${cycle.join(", ")}`),
  ];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function checkProject(root = ROOT): LayerReport {
  return checkLayers(readImportGraph(root, CHECKED_DIRS));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lines = describeReport(checkProject());
  for (const line of lines) console.error(line);
  console.error(lines.length ? `${lines.length} layer problem(s)` : "layers: every import follows docs/architecture.md, no cycles");
  process.exit(lines.length ? 1 : 0);
}
