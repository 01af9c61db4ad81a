/**
 * Starts bench/floor-worker.ts in a `wrangler dev` of its own, started as the bench starts the
 * edge (`launchEdge(…, { inspector: false })`: wrangler's API without its inspector and request
 * log, test/cli/support/dev-worker.ts), so the two differ only in the Worker's code. Profiled, both run under
 * the `wrangler dev` command with its inspector. Its own process group: stopping it never
 * touches another `wrangler dev`.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../test/cli/support/edge.ts";
import { wranglerDevArgs } from "../test/cli/support/wrangler-dev-command.ts";
import { spawnGroup } from "./process-group.ts";

const READY_TIMEOUT_MS = 90_000;

export type FloorWorker = { addr: string; stop(): Promise<void> };

/**
 * The floor Worker forwarding every request to `upstream` (an origin such as http://127.0.0.1:8080);
 * `inspectorPort` opens wrangler's inspector there (bench/profile-edge.ts).
 */
export async function launchFloor(upstream: string, options: { inspectorPort?: number } = {}): Promise<FloorWorker> {
  const dir = await mkdtemp(path.join(tmpdir(), "edgevault-bench-floor-"));
  const envFile = path.join(dir, "empty.env");
  await writeFile(envFile, "");
  const flags = [
    "--config",
    path.join(ROOT, "bench", "wrangler.floor.toml"),
    "--ip",
    "127.0.0.1",
    "--port",
    "0",
    "--persist-to",
    path.join(dir, "state"),
    "--env-file",
    envFile,
    "--var",
    `UPSTREAM:${upstream}`,
  ];
  // Profiled, it needs wrangler's inspector; measured, it runs as the edge does, without it.
  const command = wranglerDevArgs(flags, options.inspectorPort === undefined ? false : { port: options.inspectorPort });
  const { child, stop: stopGroup } = spawnGroup(process.execPath, command, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    stop: { signal: "SIGINT", to: "program" },
    graceMs: 10_000,
  });
  const stop = async () => {
    await stopGroup();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return { addr: await readyAddress(child), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readyAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    let ready = false;
    const onData = (chunk: Buffer) => {
      if (ready) return; // keep draining: a full pipe would block wrangler
      output = (output + chunk.toString("utf8").replace(/\x1b\[[0-9;]*m/g, "")).slice(-20_000);
      const match = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        ready = true;
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the floor worker's wrangler dev exited before it was ready (${code}):\n${output}`));
    };
    const timer = setTimeout(() => reject(new Error(`the floor worker was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
