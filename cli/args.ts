/**
 * Command-line parsing: node:util parseArgs for the shape, zod for the values, so every flag is
 * validated at the boundary. Positionals are checked by the command, which knows their names.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "./cli-error.ts";

export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

export type ParsedCommandLine<T> = { flags: T; args: string[] };

/**
 * Parses `argv` against `spec` and validates the flags with `schema`.
 * @example
 * const { flags, args } = parseCommandLine(argv, { json: { type: "boolean" } }, z.object({ json: z.boolean().default(false) }));
 */
export function parseCommandLine<S extends z.ZodType>(argv: readonly string[], spec: FlagSpec, schema: S): ParsedCommandLine<z.output<S>> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    // Positionals are always allowed here: node's own "unexpected argument" message would echo
    // the argument, and a stray argument may be a secret typed where it does not belong.
    parsed = parseArgs({ args: [...argv], options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const result = schema.safeParse(parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const flag = issue?.path[0];
    throw new UsageError(`${typeof flag === "string" ? `--${flag}` : "options"}: ${issue?.message ?? "invalid"}`);
  }
  return { flags: result.data, args: parsed.positionals };
}

/** Validates one positional argument; the message names the argument, not its value. */
export function positional<S extends z.ZodType>(value: string | undefined, name: string, schema: S): z.output<S> {
  if (value === undefined) throw new UsageError(`Missing argument <${name}>`);
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`<${name}> ${result.error.issues[0]?.message ?? "is invalid"}`);
  return result.data;
}

/** Rejects extra positionals without echoing them. */
export function noMoreArgs(args: readonly string[], expected: number, usage: string): void {
  if (args.length > expected) throw new UsageError(`Too many arguments (expected ${expected}, got ${args.length}). Usage: ${usage}`);
}
