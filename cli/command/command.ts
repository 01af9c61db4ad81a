/**
 * What a command is, declared once: its words, help prose, positionals and options (each with a
 * zod schema), examples and a handler. The parser (command-line.ts), the handler's argument
 * types and the `--help` text (command-help.ts) are all derived from that one declaration, as
 * wrangler's `createCommand` does, so a flag cannot be accepted without being documented.
 */
import type { z } from "zod";
import { commandHelp } from "./command-help.ts";
import { parseCommandLine } from "./command-line.ts";
import type { CommandContext } from "./command-context.ts";
import type { AnyCommandDeclaration, CommandArgs, CommandDeclaration, OptionSpec, PositionalSpec } from "./command-declaration.ts";

export type { CommandContext } from "./command-context.ts";
export type { AnyCommandDeclaration, CommandArgs, CommandDeclaration, OptionSpec, PositionalSpec } from "./command-declaration.ts";
/** What shell completion and "did you mean" know about one of a command's options. */
export type CommandOption = {
  readonly name: string;
  readonly short?: string;
  readonly description: string;
  /** A string option: the next word is its value. */
  readonly takesValue: boolean;
  /** The values its schema accepts, when it is a fixed list (an enum); empty otherwise. */
  readonly values: readonly string[];
};

/** A command as `main.ts` dispatches it. */
export type Command = {
  /** The words that select the command, e.g. ["vault", "credential", "set"]. */
  readonly path: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** Its options, from the declaration (`--help` itself not included). */
  readonly options: readonly CommandOption[];
  /** The full `--help` text: usage, description, arguments, options and examples. */
  readonly help: string;
  /** Resolves with nothing (exit 0) or, for a command that runs another program, the exit code to use. */
  run(argv: readonly string[], context: CommandContext): Promise<number | undefined>;
};

/**
 * Declares a command; everything else about it is derived.
 * @example
 * export const vaultList = createCommand({
 *   path: ["vault", "list"],
 *   summary: "List the vaults you can use",
 *   description: "Lists the vaults the current token can use.",
 *   options: { json: { type: "boolean", description: "Print a JSON array of vaults" } },
 *   examples: ["edgevault vault list --json"],
 *   async handler({ json }, context) { … },
 * });
 */
export function createCommand<
  const Ps extends readonly PositionalSpec[] = readonly [],
  const Os extends Readonly<Record<string, OptionSpec>> = Readonly<Record<never, OptionSpec>>,
>(declaration: CommandDeclaration<Ps, Os>): Command {
  checkDeclaration(declaration);
  let help: string | undefined;
  return {
    path: declaration.path,
    summary: declaration.summary,
    options: Object.entries(declaration.options ?? {}).map(([name, option]) => ({
      name,
      ...(option.short ? { short: option.short } : {}),
      description: option.description,
      takesValue: option.type === "string",
      values: option.schema ? enumValues(option.schema) : [],
    })),
    // Built on first use: most runs never print it.
    get help() {
      help ??= commandHelp(declaration);
      return help;
    },
    async run(argv, context) {
      // The parser builds exactly the shape CommandArgs describes, from the same declaration.
      const args = parseCommandLine(declaration, argv) as CommandArgs<Ps, Os>;
      const code = await declaration.handler(args, context);
      return typeof code === "number" ? code : undefined;
    },
  };
}

/**
 * The values a schema takes when it is an enum, looking through `.optional()`, `.default()` and
 * `.pipe()`: what completion offers after `--role`.
 */
function enumValues(schema: z.ZodType): string[] {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; out?: z.ZodType; entries?: Record<string, unknown> };
  if (def.type === "enum" && def.entries) return Object.values(def.entries).filter((v): v is string => typeof v === "string");
  if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) return enumValues(def.innerType);
  if (def.type === "pipe" && def.out) return enumValues(def.out);
  return [];
}

/** Mistakes in a declaration are bugs: they fail every run of the CLI, so tests catch them. */
function checkDeclaration(declaration: AnyCommandDeclaration): void {
  const where = declaration.path.join(" ");
  const positionals = declaration.positionals ?? [];
  const options = Object.entries(declaration.options ?? {});
  const names = [...positionals.map((p) => p.name), ...options.map(([name]) => name)];
  if (new Set(names).size !== names.length) throw new Error(`${where}: an argument and an option share a name`);
  if (names.includes("help") || options.some(([, o]) => o.short === "h")) throw new Error(`${where}: --help and -h are the CLI's own`);
  positionals.forEach((p, i) => {
    if ((p.variadic || p.afterSeparator) && i !== positionals.length - 1) throw new Error(`${where}: only the last positional can take the rest`);
  });
  for (const [name, option] of options) {
    if (option.type === "boolean" && (option.default !== undefined || option.multiple))
      throw new Error(`${where}: --${name} is a boolean: no default, not repeatable`);
  }
}
