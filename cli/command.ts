/**
 * What a command is, declared once: its words, help prose, positionals and options (each with a
 * zod schema), examples and a handler. The parser (command-line.ts), the handler's argument
 * types and the `--help` text (command-help.ts) are all derived from that one declaration, as
 * wrangler's `createCommand` does, so a flag cannot be accepted without being documented.
 */
import type { z } from "zod";
import { commandHelp } from "./command-help.ts";
import { parseCommandLine } from "./command-line.ts";
import type { SecretInput } from "./prompt.ts";

export type CommandContext = SecretInput & {
  env: Readonly<Record<string, string | undefined>>;
  /** A line of results on stdout. */
  out: (line: string) => void;
  /** A line of commentary on stderr (progress, warnings), kept out of piped results. */
  err: (line: string) => void;
};

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
 * One `--option`. A string option's raw text (or `default` when it is absent) goes through
 * `schema`; without a schema it is the text itself. A boolean option is `false` when absent.
 */
export type OptionSpec = {
  readonly type: "string" | "boolean";
  /** One sentence or two for `--help`; wrapped there, so no line breaks needed. */
  readonly description: string;
  readonly schema?: z.ZodType;
  /** A one-letter alias, e.g. "y" for `-y`. */
  readonly short?: string;
  /** Repeatable; the schema then gets an array of the texts (empty when absent). */
  readonly multiple?: boolean;
  /** The text used when the option is absent, as a user would type it; shown in `--help`. */
  readonly default?: string;
  /** What `--help` shows as the value: `--ttl <duration>`. Defaults to the option's name. */
  readonly placeholder?: string;
};

/** One positional argument. It is optional when `schema` accepts undefined (`.optional()`). */
export type PositionalSpec = {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType;
  /** Takes every remaining argument (at least one); only the last positional may. */
  readonly variadic?: boolean;
  /**
   * Takes everything after `--`, as it is (a command line to run); `--` is then required and
   * nothing before it is positional. Implies variadic.
   */
  readonly afterSeparator?: boolean;
};

type PositionalValue<P extends PositionalSpec> = P extends { variadic: true } | { afterSeparator: true } ? z.output<P["schema"]>[] : z.output<P["schema"]>;

type OptionValue<O extends OptionSpec> = O extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : O extends { type: "boolean" }
    ? boolean
    : O extends { multiple: true }
      ? string[]
      : O extends { default: string }
        ? string
        : string | undefined;

/** The handler's `args`: each positional and option by its name, typed from its schema. */
export type CommandArgs<Ps extends readonly PositionalSpec[], Os extends Readonly<Record<string, OptionSpec>>> = {
  [P in Ps[number] as P["name"]]: PositionalValue<P>;
} & { [K in keyof Os]: OptionValue<Os[K]> };

export type CommandDeclaration<Ps extends readonly PositionalSpec[], Os extends Readonly<Record<string, OptionSpec>>> = {
  path: readonly string[];
  summary: string;
  /** The prose of `--help`, between the usage line and the arguments; pre-wrapped at 96 columns. */
  description: string;
  positionals?: Ps;
  options?: Os;
  /** Whole command lines, first one starting with `edgevault <path>`; a `# comment` may follow. */
  examples: readonly [string, ...string[]];
  /**
   * Said when there are more positionals than declared, after "Too many arguments": where the
   * stray argument probably belongs. It is never repeated: it may be a secret.
   */
  extraArgumentsHint?: string;
  /** Resolves with nothing (exit 0), or with the exit code of a program it ran (vault run). */
  handler: (args: CommandArgs<Ps, Os>, context: CommandContext) => Promise<void> | Promise<number>;
};

/** The declaration without its type parameters, as the parser and the help read it. */
export type AnyCommandDeclaration = Omit<CommandDeclaration<readonly PositionalSpec[], Readonly<Record<string, OptionSpec>>>, "handler">;

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
