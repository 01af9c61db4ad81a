/**
 * The project's import graph, read from the source text with TypeScript's own pre-processor (so
 * `import type`, `export … from` and `import()` all count: a type import still ties two layers
 * together, and the issue counts cycles that way). Relative specifiers are resolved to files;
 * packages keep their name.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** One import of a source file: a project file (path relative to the root) or a package name. */
export type Import = { specifier: string; file?: string; packageName?: string };
/** File (relative to the root, `/`-separated) → what it imports. */
export type ImportGraph = Map<string, Import[]>;

const SOURCE = /\.(ts|js)$/;

function sourceFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist") continue;
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) found.push(path.relative(root, full).split(path.sep).join("/"));
    }
  };
  walk(path.join(root, dir));
  return found;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** The imports of one file's text (`file` relative to the root). */
export function importsOf(file: string, text: string): Import[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith(".")) return { specifier, packageName: packageOf(specifier) };
    return { specifier, file: path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) };
  });
}

/** Reads every source file under `dirs` (relative to `root`). */
export function readImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const dir of dirs) {
    for (const file of sourceFiles(root, dir)) graph.set(file, importsOf(file, readFileSync(path.join(root, file), "utf8")));
  }
  return graph;
}
