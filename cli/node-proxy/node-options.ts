/**
 * The `NODE_OPTIONS` `vault run` gives its child: whatever the child would have had, plus
 * `--import` of preload.js, which routes Node's own fetch and https through the proxy on the
 * Node versions that ignore NODE_USE_ENV_PROXY (Node 20 and 22 before 22.21).
 */
import { existsSync } from "node:fs";

/**
 * Where preload.js is, as a file URL, or undefined when it is not there (a broken install): a
 * preload Node cannot find stops every Node process from starting, which is worse than one that
 * ignores the proxy. Run from the sources (cli/bin's tsx fallback) it sits beside this file; a
 * build says where it is from the bundle (cli/build.js): the source itself for the repository's
 * `.edgevault-cli/cli.mjs`, a copy in `dist/node-proxy/` for the npm package's `dist/edgevault.js`.
 */
export function preloadUrl(): string | undefined {
  const url = new URL(typeof EDGEVAULT_NODE_PRELOAD === "string" ? EDGEVAULT_NODE_PRELOAD : "./preload.js", import.meta.url);
  return existsSync(url) ? url.href : undefined;
}

/** Set by the esbuild builds (cli/build.js): preload.js relative to the bundle. */
declare const EDGEVAULT_NODE_PRELOAD: string | undefined;

/**
 * `existing` with the preload's `--import` added, never replacing what was there (an agent's own
 * `--max-old-space-size`, a debugger's `--inspect`), and not added twice when a `vault run` runs
 * inside another. A file URL has no spaces or quotes, so it needs no quoting.
 * @example
 * nodeOptionsWithPreload("--max-old-space-size=4096", "file:///x/preload.js") // "--max-old-space-size=4096 --import=file:///x/preload.js"
 */
export function nodeOptionsWithPreload(existing: string | undefined, preload: string | undefined = preloadUrl()): string {
  const before = existing?.trim() ?? "";
  if (preload === undefined) return before;
  const flag = `--import=${preload}`;
  if (before.split(/\s+/).includes(flag)) return before;
  return before === "" ? flag : `${before} ${flag}`;
}
