/**
 * A program the bench starts in a process group of its own (`wrangler dev` with its workerd and
 * esbuild, mitmdump with its Python), so that stopping it reaches everything it started and
 * never anything else — another `wrangler dev` on the machine is someone else's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export type GroupOptions = {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * How to ask it to stop: `SIGINT` to the program alone lets wrangler stop its own children;
   * `SIGTERM` to the whole group suits a program that does not.
   */
  stop: { signal: "SIGINT" | "SIGTERM"; to: "program" | "group" };
  /** After this long the whole group is killed (SIGKILL). */
  graceMs: number;
};

export type ProcessGroup = { child: ChildProcess; stop(): Promise<void> };

/** Spawns `command` as a group leader; the group is killed outright if the bench exits first. */
export function spawnGroup(command: string, args: readonly string[], options: GroupOptions): ProcessGroup {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const killGroup = () => signalGroup("SIGKILL");
  process.once("exit", killGroup);
  const stop = async () => {
    process.removeListener("exit", killGroup);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      if (options.stop.to === "group") signalGroup(options.stop.signal);
      else child.kill(options.stop.signal);
      const timer = setTimeout(killGroup, options.graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Whatever the program left behind in its group (a workerd, a helper) goes too.
    killGroup();
  };
  return { child, stop };
}
