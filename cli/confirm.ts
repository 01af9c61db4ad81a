/**
 * Yes/no questions before destructive commands. Only a terminal can answer: with piped or
 * closed stdin the command must carry `--yes`, so a script never deletes by accident and never
 * hangs waiting for an answer.
 */
import readline from "node:readline";
import { CliError, EXIT, UsageError } from "./cli-error.ts";
import type { SecretInput } from "./prompt.ts";

/**
 * Resolves when the user confirmed (`--yes`, or "y"/"yes" typed at the terminal); throws
 * otherwise: a UsageError without a terminal, a CliError when the answer is no. `action` is
 * what would happen, in words that follow "to": `delete agent "my-agent"`. `question` may be a
 * function, called only when there is someone to ask (e.g. to look the target up first).
 * @example
 * await confirm(context, { yes: flags.yes, action: `delete agent "${name}"`, question: `Delete agent "${name}" and its sessions?` });
 */
export async function confirm(io: SecretInput, options: { yes: boolean; action: string; question: string | (() => Promise<string>) }): Promise<void> {
  if (options.yes) return;
  if (!io.stdin.isTTY) throw new UsageError(`Refusing to ${options.action} without confirmation: stdin is not a terminal, so pass --yes`);
  const question = typeof options.question === "string" ? options.question : await options.question();
  const answer = await ask(io, `${question} [y/N] `);
  if (!/^(y|yes)$/i.test(answer.trim())) throw new CliError(`Cancelled: did not ${options.action}`);
}

function ask(io: SecretInput, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: true, historySize: 0 });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      rl.close();
      outcome();
    };
    rl.on("SIGINT", () => {
      io.stderr.write("\n");
      finish(() => reject(new CliError("Interrupted", EXIT.interrupted)));
    });
    // End of input is a "no": nothing destructive happens without an explicit yes.
    rl.on("close", () => finish(() => resolve("")));
    rl.question(question, (answer) => finish(() => resolve(answer)));
  });
}
