/**
 * The shape of a command's declaration (positionals, options, the handler's typed arguments),
 * apart from `createCommand`: the parser (command-line.ts) and the help (command-help.ts) read
 * it, and command.ts builds on both, so the types sit below all three.
 */
import type { z } from "zod";
import type { CommandContext } from "./command-context.ts";

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
  /**
   * May begin with "-" (a random token's tail): a word of one "-" and more that is not one of the
   * command's options is taken as this argument, so a script written without `--` still works.
   */
  readonly mayStartWithDash?: boolean;
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
