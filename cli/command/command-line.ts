/**
 * Turns argv into a command's `args`, from its declaration: node:util parseArgs splits the words
 * into options and positionals, then every value goes through its zod schema. Each refusal is a
 * UsageError that names the option or argument, never the value refused: a word typed in the
 * wrong place may be a secret, and error output ends up in terminals, CI logs and bug reports.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "../cli-error.ts";
import { acceptsAbsent, usageLine } from "./command-help.ts";
import type { AnyCommandDeclaration, OptionSpec, PositionalSpec } from "./command-declaration.ts";
import { closest, quotedChoices } from "./suggest.ts";

/** An unknown option is repeated only when it looks like an option name rather than a pasted value. */
const OPTION_NAME = /^--?[A-Za-z][A-Za-z0-9-]{0,39}$/;

/**
 * The positionals and options by name, validated, defaults applied: the shape `CommandArgs`
 * describes for the same declaration.
 * @example
 * parseCommandLine(vaultCreate, ["payments", "--policy", "deny"]) // { name: "payments", policy: "deny" }
 */
export function parseCommandLine(declaration: AnyCommandDeclaration, argv: readonly string[]): Record<string, unknown> {
  const positionals = declaration.positionals ?? [];
  const options = declaration.options ?? {};
  const last = positionals.at(-1);
  let words = argv;
  let afterSeparator: readonly string[] = [];
  if (last?.afterSeparator) {
    const separator = argv.indexOf("--");
    if (separator === -1) throw new UsageError(`Put the ${last.name} after --. Usage: ${usageLine(declaration)}`);
    words = argv.slice(0, separator);
    afterSeparator = argv.slice(separator + 1);
    if (afterSeparator.length === 0) throw new UsageError(`No ${last.name} after --. Usage: ${usageLine(declaration)}`);
  }

  const { raw, given } = splitWords(
    words,
    options,
    positionals.some((p) => p.mayStartWithDash),
  );
  const args: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) args[name] = optionValue(name, option, raw.get(name));

  const fixed = last?.variadic || last?.afterSeparator ? positionals.slice(0, -1) : positionals;
  if (!last?.variadic && given.length > fixed.length) {
    const hint = declaration.extraArgumentsHint ? `; ${declaration.extraArgumentsHint}` : "";
    throw new UsageError(`Too many arguments (expected ${fixed.length}, got ${given.length})${hint}. Usage: ${usageLine(declaration)}`);
  }
  fixed.forEach((positional, i) => {
    args[positional.name] = positionalValue(declaration, positional, given[i]);
  });
  if (last?.afterSeparator) args[last.name] = afterSeparator.map((word) => check(last, word));
  else if (last?.variadic) {
    const rest = given.slice(fixed.length);
    if (rest.length === 0) throw missing(declaration, last);
    args[last.name] = rest.map((word) => check(last, word));
  }
  return args;
}

/**
 * Words that are positionals though they begin with one "-": when a positional may (a token's
 * tail), any such word before `--` that names none of the command's options, long or short.
 */
function dashedPositionals(words: readonly string[], options: Readonly<Record<string, OptionSpec>>): Set<number> {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [`-${o.short}`] : [])));
  const dashed = new Set<number>();
  for (const [i, word] of words.entries()) {
    if (word === "--") break;
    if (/^-[^-]/.test(word) && !shorts.has(word)) dashed.add(i);
  }
  return dashed;
}

/** The option texts by name (arrays for repeatable ones) and the positional words, in order. */
function splitWords(words: readonly string[], options: Readonly<Record<string, OptionSpec>>, mayStartWithDash = false) {
  const config: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, option] of Object.entries(options)) {
    config[name] = { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) };
  }
  const dashed = mayStartWithDash ? dashedPositionals(words, options) : new Set<number>();
  const parsedAt = words.flatMap((_, i) => (dashed.has(i) ? [] : [i]));
  // Not strict: node's own errors quote what was typed, and this one checks every token itself.
  const { tokens } = parseArgs({ args: parsedAt.map((i) => words[i] ?? ""), options: config, allowPositionals: true, strict: false, tokens: true });
  const raw = new Map<string, string | boolean | string[]>();
  const positionalAt: { at: number; word: string }[] = [...dashed].map((at) => ({ at, word: words[at] ?? "" }));
  for (const token of tokens) if (token.kind === "positional") positionalAt.push({ at: parsedAt[token.index] ?? 0, word: token.value });
  const given = positionalAt.sort((a, b) => a.at - b.at).map((p) => p.word);
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (option === undefined) throw unknownOption(token.rawName, options);
    const flag = `--${token.name}`;
    if (option.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`Option '${flag}' takes no value`);
      raw.set(token.name, true);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`Option '${flag}' needs a value: ${flag} <${option.placeholder ?? token.name}>`);
    // `--vault --json` most likely forgot the value; a value that starts with "-" goes after "=".
    if (!token.inlineValue && token.value.startsWith("-") && token.value !== "-") {
      throw new UsageError(`Option '${flag}' is followed by another option instead of its value; a value starting with "-" is written ${flag}=<value>`);
    }
    if (option.multiple) {
      const list = raw.get(token.name);
      raw.set(token.name, [...(Array.isArray(list) ? list : []), token.value]);
    } else {
      raw.set(token.name, token.value);
    }
  }
  return { raw, given };
}

/**
 * "Unknown option '--jsno'; did you mean '--json'?": the name is repeated only when it looks like
 * one, and only declared names are suggested.
 */
function unknownOption(rawName: string, options: Readonly<Record<string, OptionSpec>>): UsageError {
  if (!OPTION_NAME.test(rawName)) return new UsageError("Unknown option (not repeated here: it does not look like an option name)");
  // One-letter options are all one edit apart: only long names are worth a suggestion.
  const near = rawName.startsWith("--")
    ? closest(
        rawName,
        Object.keys(options).map((name) => `--${name}`),
      )
    : [];
  return new UsageError(`Unknown option '${rawName}'${near.length > 0 ? `; did you mean ${quotedChoices(near)}?` : ""}`);
}

function optionValue(name: string, option: OptionSpec, raw: string | boolean | string[] | undefined): unknown {
  const text = raw ?? (option.type === "boolean" ? false : option.multiple ? [] : option.default);
  if (option.schema === undefined) return text;
  const result = option.schema.safeParse(text);
  if (!result.success) throw new UsageError(`--${name}: ${firstMessage(result.error)}`);
  return result.data;
}

function positionalValue(declaration: AnyCommandDeclaration, positional: PositionalSpec, word: string | undefined): unknown {
  if (word === undefined && !acceptsAbsent(positional.schema)) throw missing(declaration, positional);
  return check(positional, word);
}

function check(positional: PositionalSpec, word: string | undefined): unknown {
  const result = positional.schema.safeParse(word);
  if (!result.success) throw new UsageError(`<${positional.name}> ${firstMessage(result.error)}`);
  return result.data;
}

function missing(declaration: AnyCommandDeclaration, positional: PositionalSpec): UsageError {
  return new UsageError(`Missing argument <${positional.name}>. Usage: ${usageLine(declaration)}`);
}

function firstMessage(error: z.ZodError): string {
  return error.issues[0]?.message ?? "is invalid";
}
