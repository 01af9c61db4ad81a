/**
 * A command's `--help`, derived from its declaration: the usage line from its positionals and
 * required options, then the prose, every argument and option with its description and
 * default, and the examples. Nothing here is written per command, so help cannot drift from
 * what the parser accepts.
 */
import type { z } from "zod";
import type { AnyCommandDeclaration, OptionSpec, PositionalSpec } from "./command-declaration.ts";

/** Help lines are wrapped at this width: readable in an 100-column terminal and in docs. */
const WIDTH = 100;
/** Labels up to this wide share their line with the description; longer ones get a line of their own. */
const MAX_LABEL = 26;

/** Whether an argument may be left out: its schema takes undefined (`.optional()`, `.default()`). */
export function acceptsAbsent(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

/** Whether the command line must carry the option: a string option with no default that its schema needs. */
function isRequired(option: OptionSpec): boolean {
  if (option.type === "boolean" || option.default !== undefined || option.schema === undefined) return false;
  return !option.schema.safeParse(option.multiple ? [] : undefined).success;
}

function optionLabel(name: string, option: OptionSpec): string {
  const value = option.type === "string" ? ` <${option.placeholder ?? name}>` : "";
  return `${option.short ? `-${option.short}, ` : ""}--${name}${value}`;
}

function positionalLabel(positional: PositionalSpec): string {
  if (positional.afterSeparator) return `-- <${positional.name}...>`;
  if (positional.variadic) return `<${positional.name}...>`;
  return acceptsAbsent(positional.schema) ? `[${positional.name}]` : `<${positional.name}>`;
}

/**
 * @example
 * usageLine(vaultAgentSetRole) // "edgevault vault agent set-role <name> --role <role> [options]"
 */
export function usageLine(declaration: AnyCommandDeclaration): string {
  const positionals = declaration.positionals ?? [];
  const options = Object.entries(declaration.options ?? {});
  const before = positionals.filter((p) => !p.afterSeparator).map(positionalLabel);
  const required = options.filter(([, option]) => isRequired(option)).map(([name, option]) => `${optionLabel(name, option)}${option.multiple ? "..." : ""}`);
  const optional = options.some(([, option]) => !isRequired(option)) ? ["[options]"] : [];
  const after = positionals.filter((p) => p.afterSeparator).map(positionalLabel);
  return ["edgevault", ...declaration.path, ...before, ...required, ...optional, ...after].join(" ");
}

/** Word-wraps `text` to WIDTH, every line after the first indented by `indent`; line breaks in it are kept. */
function wrap(text: string, indent: number, firstWidth: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      const width = lines.length === 0 ? firstWidth : WIDTH - indent;
      if (line !== "" && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === "" ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** "  label   description" rows, the descriptions aligned and wrapped under each other. */
function rows(entries: readonly (readonly [string, string])[]): string {
  const width = Math.min(MAX_LABEL, Math.max(...entries.map(([label]) => label.length)));
  const indent = 2 + width + 2;
  return entries
    .map(([label, description]) =>
      label.length > width
        ? `  ${label}\n${" ".repeat(indent)}${wrap(description, indent, WIDTH - indent)}`
        : `  ${label.padEnd(width)}  ${wrap(description, indent, WIDTH - indent)}`,
    )
    .join("\n");
}

export function commandHelp(declaration: AnyCommandDeclaration): string {
  const positionals = declaration.positionals ?? [];
  const options = Object.entries(declaration.options ?? {});
  const sections = [`Usage: ${usageLine(declaration)}`, declaration.description.trim()];
  if (positionals.length > 0) {
    sections.push(`Arguments:\n${rows(positionals.map((p) => [p.afterSeparator ? `<${p.name}...>` : positionalLabel(p), p.description]))}`);
  }
  const optionRows = options.map(([name, option]): [string, string] => {
    const notes = [
      isRequired(option) ? "required" : "",
      option.multiple ? "repeatable" : "",
      option.default === undefined ? "" : `default: ${option.default}`,
    ].filter(Boolean);
    return [optionLabel(name, option), notes.length === 0 ? option.description : `${option.description} (${notes.join("; ")})`];
  });
  sections.push(`Options:\n${rows([...optionRows, ["-h, --help", "Show this help"]])}`);
  const [first, ...more] = declaration.examples;
  sections.push(`${more.length === 0 ? "Example" : "Examples"}:\n${[first, ...more].map((example) => `  ${example}`).join("\n")}`);
  return sections.join("\n\n");
}
