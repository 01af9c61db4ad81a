/**
 * The bench's own Node helpers (servers, the MITM listener) each run in a child process, so the
 * load generator in the parent never shares an event loop with what it measures. A child
 * announces itself with one JSON line on stdout and stops on SIGTERM.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { ROOT } from "../test/cli/support/edge.ts";

export type Child<T> = { info: T; stderr(): string; stop(): Promise<void> };

/**
 * Runs bench/<file> under tsx with `env`; resolves with its first stdout line, parsed. `label`
 * goes on its command line, so the process can be told apart from its siblings (process-cpu.ts).
 */
export async function startChild<T>(
  file: string,
  env: Record<string, string>,
  options: { nodeArgs?: readonly string[]; label?: string } = {},
): Promise<Child<T>> {
  const args = [...(options.nodeArgs ?? []), "--import", "tsx", path.join(ROOT, "bench", file), ...(options.label ? [options.label] : [])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-20_000);
  });
  const stop = async () => {
    process.removeListener("exit", kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(kill, 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const info = await new Promise<T>((resolve, reject) => {
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        const newline = stdout.indexOf("\n");
        if (newline !== -1) resolve(JSON.parse(stdout.slice(0, newline)) as T);
      });
      child.once("exit", (code) => reject(new Error(`bench/${file} exited (${code}) before it was ready:\n${stderr}`)));
    });
    return { info, stderr: () => stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** For a child: announce readiness, and run `close` before exiting on SIGTERM or SIGINT. */
export function announce(info: unknown, close: () => Promise<void>): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const exit = () => void close().finally(() => process.exit(0));
  process.once("SIGTERM", exit);
  process.once("SIGINT", exit);
}
