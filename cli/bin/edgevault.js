#!/usr/bin/env node
// The CLI is TypeScript. In the repository it runs from a single-file build kept in
// `.edgevault-cli/` at the repo root, rebuilt with esbuild (cli/build.js) whenever a source it was
// built from is newer (about 0.1 s to start instead of 0.4 s through tsx). Any problem with the
// build falls back to tsx, so `npx edgevault` always works in the repo without a build step. The
// npm package has its own entry, dist/edgevault.js, built by the same cli/build.js at pack time.
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
// At the repo root's level, so node_modules resolve as from cli/.
const BUILD_DIR = path.join(ROOT, ".edgevault-cli");
const BUNDLE = path.join(BUILD_DIR, "cli.mjs");
const INPUTS = path.join(BUILD_DIR, "inputs.json");

async function isFresh() {
  try {
    const built = (await stat(BUNDLE)).mtimeMs;
    const inputs = JSON.parse(await readFile(INPUTS, "utf8"));
    for (const input of inputs) if ((await stat(path.join(ROOT, input))).mtimeMs > built) return false;
    return true;
  } catch {
    return false;
  }
}

async function build() {
  // The build itself is shared with the npm package's (cli/build.js); loaded only to rebuild.
  const { cliBuild } = await import("../build.js");
  const result = await cliBuild({ entryPoints: [path.join(ROOT, "cli", "main.ts")], metafile: true, write: false });
  await mkdir(BUILD_DIR, { recursive: true });
  // Write under a unique name, then rename: concurrent runs never see a half-written bundle.
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  await writeFile(tmp, result.outputFiles[0].contents);
  // The version (from cli/package.json) and the build's own settings count as inputs too.
  const inputs = [...Object.keys(result.metafile.inputs), "cli/package.json", "cli/build.js"];
  await writeFile(`${INPUTS}.${process.pid}.tmp`, JSON.stringify(inputs));
  await rename(`${INPUTS}.${process.pid}.tmp`, INPUTS);
  await rename(tmp, BUNDLE);
}

async function load() {
  try {
    if (!(await isFresh())) await build();
    return await import(pathToFileURL(BUNDLE).href);
  } catch {
    const { register } = await import("tsx/esm/api");
    register();
    return import("../main.ts");
  }
}

const { run, processContext } = await load();
process.exitCode = await run(process.argv.slice(2), processContext());
