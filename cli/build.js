#!/usr/bin/env node
/**
 * The CLI's esbuild build: one ESM file holding the CLI's sources, the edge's contracts it imports
 * from ../workers/ (pure zod modules) and the packages those contracts declare their schemas with
 * (@hono/zod-openapi and what it pulls in: BUNDLED_PACKAGES). Every other package stays external,
 * zod among them so the CLI and the contracts share one zod. Two users:
 *
 * - cli/bin/edgevault.js, the repository's entry, keeps a build in .edgevault-cli/ (`cliBuild`);
 * - `npm pack` in cli/ runs this file (the prepack script) to write dist/edgevault.js, the bin of
 *   the published package, where an external package that cli/package.json does not declare
 *   fails the build rather than the user's first run.
 */
import { cp, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const CLI_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(CLI_DIR);

/**
 * Bundled rather than loaded from node_modules: loading @hono/zod-openapi and hono adds tens of
 * milliseconds to every start, and esbuild keeps only what the contracts use. canonicalize (RFC
 * 8785, how the attestation chain's records are hashed) is one small function whose package asks
 * for Node 22: bundled, the CLI declares no dependency its Node 20 users would be warned about.
 */
export const BUNDLED_PACKAGES = /^(@hono\/zod-openapi|@hono\/zod-validator|@asteasolutions\/zod-to-openapi|openapi3-ts|hono|canonicalize)(\/|$)/;

const BUILTINS = new Set(builtinModules);
const packageName = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** esbuild's `packages: "external"`, except BUNDLED_PACKAGES; with `declared`, any other package must be in it. */
function externalPackages(declared) {
  return {
    name: "external-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]|^\.[^./]|^\.\.[^/]/ }, (args) => {
        if (BUNDLED_PACKAGES.test(args.path)) return undefined;
        const name = packageName(args.path);
        if (declared && !name.startsWith("node:") && !BUILTINS.has(name) && !declared.has(name)) {
          return { errors: [{ text: `${args.path} (imported by ${path.relative(ROOT, args.importer)}) is not a dependency in cli/package.json` }] };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * The preload `vault run` gives the Node processes it starts (node-proxy/preload.js and the one
 * module it imports), plain JavaScript loaded as it is: the repository's bundle points at the
 * sources, the npm package ships a copy of the folder beside its bundle.
 */
const PRELOAD_DIR = "node-proxy";

/** cli/package.json, for its version and dependencies. */
export async function cliPackage() {
  return JSON.parse(await readFile(path.join(CLI_DIR, "package.json"), "utf8"));
}

/**
 * Builds the CLI; `options` are esbuild's, on top of the shared ones (entry, outfile, write…).
 * `preload` is where preload.js is, relative to the bundle written (default: the repository's
 * `.edgevault-cli/`, one level below the root).
 * @example
 * const result = await cliBuild({ entryPoints: ["cli/main.ts"], write: false, metafile: true });
 */
export async function cliBuild(options, { declared, preload = `../cli/${PRELOAD_DIR}/preload.js` } = {}) {
  const { build } = await import("esbuild");
  const pkg = await cliPackage();
  return build({
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [externalPackages(declared)],
    // main.ts prints the version for --version; node-options.ts finds the preload with the other.
    define: { EDGEVAULT_CLI_VERSION: JSON.stringify(pkg.version), EDGEVAULT_NODE_PRELOAD: JSON.stringify(preload) },
    logLevel: "silent",
    ...options,
  });
}

/** dist/edgevault.js of the npm package, an executable entry that runs the CLI, and the preload beside it. */
async function buildPackage() {
  const pkg = await cliPackage();
  await cp(path.join(CLI_DIR, PRELOAD_DIR), path.join(CLI_DIR, "dist", PRELOAD_DIR), { recursive: true, filter: (file) => !file.endsWith(".ts") });
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
  await cliBuild(
    {
      stdin: {
        contents: 'import { processContext, run } from "./main.ts";\nprocess.exitCode = await run(process.argv.slice(2), processContext());\n',
        resolveDir: CLI_DIR,
        sourcefile: "edgevault.js",
        loader: "ts",
      },
      outfile: path.join(CLI_DIR, "dist", "edgevault.js"),
      banner: { js: "#!/usr/bin/env node" },
      legalComments: "eof",
      logLevel: "warning",
    },
    { declared, preload: `./${PRELOAD_DIR}/preload.js` },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildPackage();
