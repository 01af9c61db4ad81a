#!/usr/bin/env node
/**
 * The package's build, run by `npm pack` (prepack): dist/index.js, one ESM file of src/ with jose
 * and the MCP SDK left external (a dependency and a peer), and dist/*.d.ts for TypeScript users.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const DIR = path.dirname(fileURLToPath(import.meta.url));

await build({
  entryPoints: [path.join(DIR, "src/index.ts")],
  outfile: path.join(DIR, "dist/index.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
});
// The repository's TypeScript, as the CLI's build uses the repository's esbuild.
execFileSync(process.execPath, [path.join(DIR, "../node_modules/typescript/bin/tsc"), "-p", path.join(DIR, "tsconfig.build.json")], { stdio: "inherit" });
