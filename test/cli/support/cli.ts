/**
 * Runs the real CLI (`node cli/bin/edgevault.js`) as a child process, the way a user's shell
 * would, with a private config directory and only the environment the test names, so the
 * developer's own EDGEVAULT_* variables and login never leak into a test. Logins go to the
 * config file (EDGEVAULT_CREDENTIAL_STORE=file), never to the keychain of whoever runs the
 * tests; a test that means to try the keychain overrides it.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./edge.ts";

const BIN = path.join(ROOT, "cli", "bin", "edgevault.js");

/** The environment every test run gets unless it overrides it: logins saved in the config file. */
export const TEST_STORE = { EDGEVAULT_CREDENTIAL_STORE: "file" } as const;

export type CliResult = { code: number; stdout: string; stderr: string };

export type CliOptions = {
  /** $XDG_CONFIG_HOME (and $HOME) for this run. */
  configHome: string;
  /** Written to stdin, which is then closed; stdin is an empty pipe when absent. */
  stdin?: string;
  env?: Record<string, string>;
  /** The working directory (default: the repository's root). */
  cwd?: string;
};

const configHomes: string[] = [];
// Config homes hold test tokens; they go when the test process ends, whatever the outcome.
process.once("exit", () => {
  for (const dir of configHomes) rmSync(dir, { recursive: true, force: true });
});

/** A fresh, empty directory to use as XDG_CONFIG_HOME, removed when the test process exits. */
export async function tempConfigHome(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "edgevault-cli-config-"));
  configHomes.push(dir);
  return dir;
}

export async function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? "", HOME: options.configHome, XDG_CONFIG_HOME: options.configHome, ...TEST_STORE, ...options.env };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.end(options.stdin ?? "");
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  return { code: code ?? (signal ? 128 : -1), stdout, stderr };
}

/** Everything a run printed, for "this secret appears nowhere" checks. */
export const printed = (result: CliResult) => `${result.stdout}\n${result.stderr}`;
