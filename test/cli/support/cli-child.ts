/**
 * The real CLI as a child process the test talks to while it runs (a long poll, a prompt),
 * rather than one run to completion as `runCli` does. Same environment rules as `runCli`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { TEST_STORE, type CliOptions, type CliResult } from "./cli.ts";
import { ROOT } from "./edge.ts";

const BIN = path.join(ROOT, "cli", "bin", "edgevault.js");

export type CliChild = {
  /** Resolves once stderr has printed something matching `pattern`; rejects if the CLI exits first. */
  stderrMatching(pattern: RegExp): Promise<string>;
  /** The same for stdout. */
  stdoutMatching(pattern: RegExp): Promise<string>;
  /** Resolves when the CLI exits. */
  result: Promise<CliResult>;
  /** Writes to its stdin and closes it (only with `stdinOpen`): input that arrives after the test acted. */
  finishInput(text: string): void;
  /** Sends SIGINT, as Ctrl+C at a terminal does. */
  interrupt(): void;
  kill(): void;
};

export function spawnCli(args: readonly string[], options: Omit<CliOptions, "stdin"> & { stdinOpen?: boolean }): CliChild {
  const env = { PATH: process.env.PATH ?? "", HOME: options.configHome, XDG_CONFIG_HOME: options.configHome, ...TEST_STORE, ...options.env };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  if (!options.stdinOpen) child.stdin.end();
  let stdout = "";
  let stderr = "";
  let exited: CliResult | undefined;
  const watchers: { stream: "stdout" | "stderr"; pattern: RegExp; resolve: (text: string) => void; reject: (error: Error) => void }[] = [];
  const check = () => {
    for (const watcher of [...watchers]) {
      const match = watcher.pattern.exec(watcher.stream === "stdout" ? stdout : stderr);
      if (match) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(match[0]);
      }
    }
  };
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    check();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    check();
  });
  const result = once(child, "close").then(([code, signal]) => {
    const done = { code: (code as number | null) ?? (signal ? 128 : -1), stdout, stderr };
    exited = done;
    for (const watcher of watchers.splice(0))
      watcher.reject(new Error(`the CLI exited (${done.code}) before printing ${watcher.pattern}:\n${stdout}\n${stderr}`));
    return done;
  });
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  void result.then(() => process.removeListener("exit", onExit));
  const matching = (stream: "stdout" | "stderr") => (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const match = pattern.exec(stream === "stdout" ? stdout : stderr);
      if (match) resolve(match[0]);
      else if (exited) reject(new Error(`the CLI exited (${exited.code}) before printing ${pattern}:\n${stdout}\n${stderr}`));
      else watchers.push({ stream, pattern, resolve, reject });
    });
  return {
    stderrMatching: matching("stderr"),
    stdoutMatching: matching("stdout"),
    result,
    finishInput: (text) => child.stdin.end(text),
    interrupt: () => child.kill("SIGINT"),
    kill: () => child.kill("SIGKILL"),
  };
}
