/** What a command's handler is given: where to print, the environment, and how to ask for a secret. */
import type { SecretInput } from "../prompt.ts";

export type CommandContext = SecretInput & {
  env: Readonly<Record<string, string | undefined>>;
  /** A line of results on stdout. */
  out: (line: string) => void;
  /** A line of commentary on stderr (progress, warnings), kept out of piped results. */
  err: (line: string) => void;
  /** The name the CLI was started by (`edgevault`, or `agent-vault`), for help; edgevault when absent. */
  program?: string;
};
