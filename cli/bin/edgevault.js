#!/usr/bin/env node
// The CLI is TypeScript. It runs from a single-file build kept in `.edgevault-cli/` at the repo
// root, rebuilt with esbuild whenever a source it was built from is newer (about 0.1 s to start
// instead of 0.4 s through tsx). Any problem with the build falls back to tsx, so `npx edgevault`
// always works in the repo without a build step.
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
// At the repo root's level, so `../package.json` and node_modules resolve as from cli/.
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

/**
 * Packages bundled in rather than loaded from node_modules: the edge's contracts (which the CLI
 * imports from workers/) declare their schemas with `z` from @hono/zod-openapi, and loading that
 * package and hono from node_modules adds tens of milliseconds to every start; bundled, esbuild keeps
 * only what the contracts use. Every other package stays external (zod among them, so the CLI
 * and the contracts share one zod).
 */
const BUNDLED_PACKAGES = /^(@hono\/zod-openapi|@hono\/zod-validator|@asteasolutions\/zod-to-openapi|openapi3-ts|hono)(\/|$)/;

/** esbuild's `packages: "external"`, except BUNDLED_PACKAGES. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]|^\.[^./]|^\.\.[^/]/ }, (args) => (BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

async function build() {
  const { build: esbuild } = await import("esbuild");
  const result = await esbuild({
    entryPoints: [path.join(ROOT, "cli", "main.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [externalPackages],
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  await mkdir(BUILD_DIR, { recursive: true });
  // Write under a unique name, then rename: concurrent runs never see a half-written bundle.
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  await writeFile(tmp, result.outputFiles[0].contents);
  await writeFile(`${INPUTS}.${process.pid}.tmp`, JSON.stringify(Object.keys(result.metafile.inputs)));
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
