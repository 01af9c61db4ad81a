/**
 * `edgevault --help`: the commands in sections, as gh groups its own (core, vault, agents,
 * people, admin), each a command or a group that `edgevault help <group>` lists, then the
 * environment, how secrets are handled, and the exit codes; and `edgevault help <words>`, which
 * finds the command or group the words name. A new command belongs in one of HELP_SECTIONS'
 * entries (its group's, usually): test/cli/help.spec.ts checks every command has one.
 */
import type { Command } from "./command/command.ts";
import { entryOf, type GroupSummaries, groupHelp, type HelpSection, isGroup, sectionsHelp, subcommandsHelp } from "./command/group-help.ts";

export const HELP_SECTIONS: readonly HelpSection[] = [
  { title: "Core commands", entries: ["login", "logout", "whoami", "demo", "vault run", "proposal", "request", "skill"] },
  { title: "Vault commands", entries: ["vault", "vault credential", "vault service", "vault oauth", "vault agent", "vault webhook"] },
  { title: "Agent commands", entries: ["agent", "agent invite", "agent passport"] },
  { title: "People commands", entries: ["user", "api-key", "session", "company sso"] },
  { title: "Admin commands", entries: ["audit", "attest", "chain", "admin company", "proxy", "ca", "completion"] },
];

/** One line per group, for the sections above and for `edgevault help <group>`. */
export const GROUP_SUMMARIES: GroupSummaries = {
  vault: "Create, list and choose vaults; a vault's settings and its request log",
  "vault credential": "Store, list and delete a vault's credentials (values are never shown)",
  "vault service": "The hosts a vault forwards for, and how each request gets its credential",
  "vault oauth": "Connect an OAuth service's account in the browser; the provider catalog",
  "vault agent": "Which agents may use a vault, and with which role",
  "vault webhook": "Webhooks for a vault's proposals and calls waiting for a person",
  agent: "Agents: list, inspect, change, rotate, disable and delete them; self-registrations",
  "agent invite": "Invite an agent with a prompt to paste; list and revoke invites",
  "agent passport": "Passports agents show MCP servers: grant, issue, rotate, revoke, verify",
  proposal: "Review and decide what agents ask for: services and credentials",
  request: "Calls waiting for a person: approve or reject them, time-boxed approvals",
  user: "The company's people: invite them, their roles, remove them",
  "api-key": "Company API keys (they act as an owner): create, list, revoke",
  company: "The company's own settings: single sign-on",
  "company sso": "The company's single sign-on provider (OpenID Connect): set, show, remove",
  session: "Vault sessions for scripts and CI: create, list, revoke",
  audit: "The company's audit log, and verifying an exported attestation chain",
  chain: "The company's attestation chain: export it, verify it here",
  ca: "The local proxy's root CA: where it is, export it, trust it",
  admin: "The platform operator's commands (with the platform token)",
  "admin company": "Make a company and its first owner with the platform token",
  skill: "The agent skill file every edge serves",
};

/** What `edgevault` alone, `--help` and `help` print. */
export function mainHelp(commands: readonly Command[], program: string): string {
  const alias =
    program === "edgevault"
      ? ""
      : `\n${program} is edgevault under Agent Vault's name: the same commands and flags; it also reads AGENT_VAULT_ADDR
and AGENT_VAULT_VAULT (after EDGEVAULT_ADDR and EDGEVAULT_VAULT), and \`agent delete\` asks nothing without a terminal.`;
  return `edgevault: the companion CLI of the Edgevault edge API${alias}

Usage: ${program} <command> [options]      ${program} help <command or group> for details

${sectionsHelp(commands, HELP_SECTIONS, GROUP_SUMMARIES)}

Environment:
  EDGEVAULT_ADDR      The edge's URL; overrides the saved one (default http://127.0.0.1:14321)
  EDGEVAULT_API_KEY   A token to use instead of the saved login, never saved: the way to use
                      a company API key (login saves one with --save-api-key, or when chosen at its prompt)
  EDGEVAULT_VAULT     The vault for vault-scoped commands (vault credential, vault agent,
                      vault service, vault set, vault run, proposal list, session…) when
                      --vault is not given; without either, the vault chosen with
                      \`edgevault vault use\`, else "default" (every company has one)
  EDGEVAULT_CREDENTIAL_STORE
                      file: login saves the token in config.json even where an OS
                      keychain could hold it (default auto: the keychain when usable)
  XDG_CONFIG_HOME     The login is saved in $XDG_CONFIG_HOME/edgevault/config.json
                      (default ~/.config/edgevault/config.json; its token in the OS
                      keychain when one is usable), the local proxy's CA
                      in $XDG_CONFIG_HOME/edgevault/ca/

Secrets (API keys, passwords, credential values) are read from stdin or a hidden prompt,
never from arguments, and never printed. Agent tokens never pass through the CLI: agents
redeem their invites themselves. Secrets you ask the edge to mint (session create, api-key
create, vault webhook add, user invite's link) are printed once, alone on stdout.

Every command that prints a result takes --json; with --json, an error is one JSON object on
stderr: {"error": <code>, "message": …}. Shell completion: edgevault completion bash (or zsh,
fish); see edgevault completion --help.

Exit codes: 0 success; 1 the edge refused the request or could not be reached;
            2 bad command line; 130 interrupted at a prompt;
            proposal wait: 3 rejected, 4 expired, 5 still pending at --timeout;
            vault run exits with its command's code.

Examples:
  edgevault login --email ada@example.com && edgevault vault create payments
  EDGEVAULT_API_KEY=$(cat .edgevault-dev/owner-key) edgevault vault list
  edgevault agent invite my-agent --vault payments:proxy
  edgevault help vault service`;
}

/** What `edgevault help <words>` prints, or undefined when the words name no command or group. */
export function helpFor(commands: readonly Command[], words: readonly string[], program: string): string | undefined {
  if (words.length === 0) return mainHelp(commands, program);
  const command = commands.find((c) => c.path.length === words.length && c.path.every((word, i) => words[i] === word));
  if (command) return commandWithSubcommands(commands, command);
  return isGroup(commands, words) ? groupHelp(commands, words, GROUP_SUMMARIES, program) : undefined;
}

/** A command's `--help`, and the commands under it when it is a group too (`audit`, `agent invite`). */
export function commandWithSubcommands(commands: readonly Command[], command: Command): string {
  const below = subcommandsHelp(commands, command, GROUP_SUMMARIES);
  return below === "" ? command.help : `${command.help}\n\n${below}`;
}

/**
 * The group `--help` was asked of when no command matched (`edgevault vault service --help`):
 * the longest run of leading words that names one, if any.
 */
export function groupAsked(commands: readonly Command[], argv: readonly string[]): string[] | undefined {
  const words: string[] = [];
  for (const word of argv) {
    if (!isGroup(commands, [...words, word])) break;
    words.push(word);
  }
  return words.length === 0 ? undefined : words;
}

/** Commands no section lists (they show under "Other commands"): none, when HELP_SECTIONS is complete. */
export const unsectioned = (commands: readonly Command[]) => commands.filter((c) => entryOf(HELP_SECTIONS, c) === undefined);
