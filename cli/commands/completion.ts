/** `completion bash|zsh|fish`: prints a shell completion script generated from the command declarations. */
import { z } from "zod";
import { type Command, createCommand } from "../command/command.ts";
import { completionScript, SHELLS } from "../command/completion.ts";
import { oneOf } from "../command/names.ts";

/** The command, given the list it completes (main.ts passes its own, which includes this one). */
export const completionCommand = (commands: () => readonly Command[]) =>
  createCommand({
    path: ["completion"],
    summary: "Print a shell completion script (bash, zsh or fish)",
    description: `Prints a script that completes edgevault's commands, options and the values of options that
take one of a fixed list (--role, --policy, --status…) in your shell. It is generated from the
same declarations as the parser and --help, so it always matches this version of the CLI:
regenerate it after an upgrade (or load it on every shell start, as below). Vault, agent and
other names are not completed: that would ask the edge on every Tab.`,
    positionals: [{ name: "shell", schema: z.enum(["bash", "zsh", "fish"], `must be ${oneOf(SHELLS)}`), description: `The shell: ${oneOf(SHELLS)}` }],
    examples: [
      "edgevault completion bash >> ~/.bashrc          # or: source <(edgevault completion bash)",
      "edgevault completion zsh > ~/.zsh/completions/_edgevault   # a directory in $fpath",
      "edgevault completion fish > ~/.config/fish/completions/edgevault.fish",
    ],
    async handler({ shell }, context) {
      context.out(completionScript(shell, commands()).trimEnd());
    },
  });
