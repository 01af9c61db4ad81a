/**
 * Help above a single command, as gh gives it: the top-level list in sections of commands and
 * groups (a group is the words several commands start with, `vault service`), and a group's own
 * list (`edgevault help vault service`). Which entries go in which section is the CLI's choice
 * (help-sections.ts); everything listed is derived from the declared commands, so a group never
 * lists a command that does not exist, and a command no section names still shows (under
 * "Other commands"; test/cli/help.spec.ts fails until it has its place).
 */
import type { Command } from "./command.ts";

/** One section of the top-level help: its title, and the commands or groups it lists, as words ("vault service"). */
export type HelpSection = { readonly title: string; readonly entries: readonly string[] };

/** What each group is for, one line, keyed by its words ("vault service"). */
export type GroupSummaries = Readonly<Record<string, string>>;

const startsWith = (path: readonly string[], prefix: readonly string[]) => prefix.every((word, i) => path[i] === word);
const wordsOf = (entry: string) => entry.split(" ");

/**
 * Whether `words` name a group: some command's path is longer and starts with them.
 * @example isGroup(COMMANDS, ["vault", "service"]) // true
 */
export function isGroup(commands: readonly Command[], words: readonly string[]): boolean {
  return words.length > 0 && commands.some((c) => c.path.length > words.length && startsWith(c.path, words));
}

/**
 * The entry of `sections` that lists `command`: the longest one its path starts with (`vault run`
 * before `vault`), or undefined when none does.
 */
export function entryOf(sections: readonly HelpSection[], command: Command): string | undefined {
  const entries = sections.flatMap((s) => s.entries).filter((entry) => startsWith(command.path, wordsOf(entry)));
  return entries.sort((a, b) => wordsOf(b).length - wordsOf(a).length)[0];
}

/** "  label   text" rows with the texts aligned. */
function rows(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`).join("\n");
}

/** The line a section or group shows for `entry`: its group summary, else the command's own. */
function summaryOf(commands: readonly Command[], summaries: GroupSummaries, entry: string): string {
  return summaries[entry] ?? commands.find((c) => c.path.join(" ") === entry)?.summary ?? "";
}

/**
 * The top-level list: each section with its entries, then any command no entry covers.
 * @example
 * sectionsHelp(COMMANDS, HELP_SECTIONS, GROUP_SUMMARIES) // "Core commands\n  login  Save a login …"
 */
export function sectionsHelp(commands: readonly Command[], sections: readonly HelpSection[], summaries: GroupSummaries): string {
  const all: [string, [string, string][]][] = sections.map((section) => [
    section.title,
    section.entries.map((entry) => [entry, summaryOf(commands, summaries, entry)]),
  ]);
  const others = commands.filter((c) => entryOf(sections, c) === undefined);
  if (others.length > 0) all.push(["Other commands", others.map((c) => [c.path.join(" "), c.summary])]);
  // One width for every section, so the summaries line up down the whole list.
  const width = Math.max(...all.flatMap(([, entries]) => entries.map(([label]) => label.length)));
  return all.map(([title, entries]) => `${title}\n${rows(entries.map(([label, text]) => [label.padEnd(width), text]))}`).join("\n\n");
}

/**
 * What is directly under `words`: its commands (one word more) and its groups (the next word of
 * longer paths, each listed once), in declaration order.
 */
function childrenOf(commands: readonly Command[], words: readonly string[]): { commands: Command[]; groups: string[] } {
  const below = commands.filter((c) => c.path.length > words.length && startsWith(c.path, words));
  const direct = below.filter((c) => c.path.length === words.length + 1);
  const groups = [
    ...new Set(below.filter((c) => isGroup(commands, c.path.slice(0, words.length + 1))).map((c) => c.path.slice(0, words.length + 1).join(" "))),
  ];
  return { commands: direct, groups };
}

/**
 * The subcommands under a command that is also a group (`agent invite` and `agent invite list`),
 * appended to that command's own help; empty for any other command.
 */
export function subcommandsHelp(commands: readonly Command[], command: Command, summaries: GroupSummaries): string {
  const { commands: direct, groups } = childrenOf(commands, command.path);
  const entries: [string, string][] = [
    ...direct.map((c): [string, string] => [c.path.join(" "), c.summary]),
    ...groups.map((g): [string, string] => [g, summaryOf(commands, summaries, g)]),
  ];
  return entries.length === 0 ? "" : `Subcommands:\n${rows(entries)}`;
}

/**
 * `edgevault help <group>` (and `edgevault <group> --help`): what the group is for, its commands
 * and the groups under it.
 * @example
 * groupHelp(COMMANDS, ["vault", "credential"], GROUP_SUMMARIES, "edgevault")
 */
export function groupHelp(commands: readonly Command[], words: readonly string[], summaries: GroupSummaries, program: string): string {
  const group = words.join(" ");
  const { commands: direct, groups } = childrenOf(commands, words);
  const sections = [summaries[group] ?? `The commands under ${program} ${group}`, `Usage: ${program} ${group} <command> [options]`];
  const own = commands.find((c) => c.path.join(" ") === group);
  const listed: [string, string][] = [...(own ? [own] : []), ...direct].map((c) => [c.path.join(" "), c.summary]);
  if (listed.length > 0) sections.push(`Commands:\n${rows(listed)}`);
  if (groups.length > 0) sections.push(`Groups:\n${rows(groups.map((g) => [g, summaryOf(commands, summaries, g)]))}`);
  sections.push(`Run \`${program} help ${group} <command>\` (or \`${program} ${group} <command> --help\`) for a command's options and examples.`);
  return sections.join("\n\n");
}
