/**
 * The command line that runs a Worker locally, from the flags both ways share: the `wrangler dev`
 * command with its inspector (on a given port, or any), or the same Worker through wrangler's API
 * without it (dev-worker.ts), which the bench and the test run use.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const DEV_WORKER = path.join(ROOT, "test", "cli", "support", "dev-worker.ts");

/** Node's arguments for `flags` (`--config`, `--port`, `--var`…); `inspector: false` leaves the inspector out. */
export function wranglerDevArgs(flags: readonly string[], inspector: false | { port: number }): string[] {
  if (inspector === false) return ["--import", "tsx", DEV_WORKER, ...flags, "--log-level", "warn"];
  return [WRANGLER, "dev", ...flags, "--inspector-port", String(inspector.port), "--log-level", "info", "--show-interactive-dev-session=false"];
}
