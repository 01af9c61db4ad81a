/**
 * A fix for @cloudflare/vitest-pool-workers 0.15.1, applied before the pool starts (idempotent).
 *
 * Its entrypoint wrapper sets `Class.prototype = new Proxy(Class.prototype, …)` every time the
 * class is constructed, i.e. on every request a test sends to the Worker: property lookups then
 * walk one more Proxy per request made so far in the file, so a file's requests get slower
 * quadratically (50 requests: 0.5 s at first, 7.5 s after 600) and end in "Maximum call stack
 * size exceeded". Wrapping once gives the same lookups. We cannot move to a fixed release: the
 * versions after 0.15.1 need Node 22 (see ../shared/reference/toolchain.md).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BROKEN = "\t\tClass.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {";
const FIXED =
  '\t\tif (!Object.hasOwn(Class, "__wrappedOnce")) Object.defineProperty(Class, "__wrappedOnce", { value: true }), Class.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {';

export function fixPoolWorkersPrototypeChain(): void {
  // The package's exports hide its files; find its folder from its main entry.
  const entry = fileURLToPath(import.meta.resolve("@cloudflare/vitest-pool-workers"));
  const root = entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`));
  const file = path.join(root, "dist/worker/lib/cloudflare/test-internal.mjs");
  const source = readFileSync(file, "utf8");
  if (source.includes(FIXED)) return;
  if (!source.includes(BROKEN)) throw new Error(`${file} changed: review test/workers/pool-workers-fix.ts`);
  writeFileSync(file, source.replace(BROKEN, FIXED));
}
