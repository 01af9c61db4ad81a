/** What every command is: a path of words, its help, and a function of argv and the context. */
import type { SecretInput } from "./prompt.ts";

export type CommandContext = SecretInput & {
  env: Readonly<Record<string, string | undefined>>;
  /** A line of results on stdout. */
  out: (line: string) => void;
  /** A line of commentary on stderr (progress, warnings), kept out of piped results. */
  err: (line: string) => void;
};

export type Command = {
  /** The words that select the command, e.g. ["vault", "credential", "set"]. */
  path: readonly string[];
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text, with usage, options and an example. */
  help: string;
  /** Resolves with nothing (exit 0) or, for a command that runs another program, the exit code to use. */
  run: (argv: readonly string[], context: CommandContext) => Promise<void | number>;
};
