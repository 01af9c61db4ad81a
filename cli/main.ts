/**
 * `edgevault`: picks the command from the leading words of argv, prints help, and turns errors
 * into a message on stderr and an exit code (see EXIT in cli-error.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { EXIT, UsageError } from "./cli-error.ts";
import { asksForJson, reportError } from "./error-report.ts";
import type { Command, CommandContext } from "./command/command.ts";
import { agentDelete, agentDisable, agentEnable, agentInfo, agentList, agentRename, agentRotate, agentSetRole } from "./commands/agent.ts";
import { agentInvite, agentInviteList, agentInviteRevoke } from "./commands/agent-invite.ts";
import { agentPassportGrant, agentPassportIssue, agentPassportRevoke, agentPassportRotate, agentPassportVerify } from "./commands/agent-passport.ts";
import { login, logout, whoami } from "./commands/auth.ts";
import { demo, demoPropose } from "./commands/demo.ts";
import { credentialDelete, credentialList, credentialSet } from "./commands/credential.ts";
import { agentApprove, agentRegistrations, agentReject } from "./commands/registration.ts";
import { vaultCreate, vaultList, vaultUse } from "./commands/vault.ts";
import { vaultAgentAdd, vaultAgentList, vaultAgentRemove, vaultAgentSetRole } from "./commands/vault-agent.ts";
import { proposalApprove, proposalList, proposalReject, proposalShow, proposalWait } from "./commands/proposal.ts";
import { requestApprove, requestList, requestReject, requestReleases, requestRevoke } from "./commands/request.ts";
import { serviceAdd, serviceDisable, serviceEnable, serviceList, serviceRemove, serviceShow, serviceUpdate } from "./commands/service.ts";
import { closest } from "./command/suggest.ts";
import { commandWithSubcommands, groupAsked, helpFor, mainHelp } from "./main-help.ts";
import { sessionCreate, sessionList, sessionRevoke } from "./commands/session.ts";
import { vaultLogs } from "./commands/vault-logs.ts";
import { vaultOauthConnect, vaultOauthProviders } from "./commands/vault-oauth.ts";
import { vaultSet, vaultWebhookAdd, vaultWebhookList, vaultWebhookRemove } from "./commands/vault-settings.ts";
import { caExport, caPath, caTrust } from "./commands/ca.ts";
import { completionCommand } from "./commands/completion.ts";
import { userInvite, userList, userRemove, userSetRole } from "./commands/user.ts";
import { apiKeyCreate, apiKeyList, apiKeyRevoke } from "./commands/api-key.ts";
import { companySsoRemove, companySsoSet, companySsoShow } from "./commands/company-sso.ts";
import { adminCompanyCreate } from "./commands/admin-company.ts";
import { audit } from "./commands/audit.ts";
import { attest, auditVerify, chainExport, chainVerify } from "./commands/chain.ts";
import { skillInstall } from "./commands/skill.ts";
import { proxy } from "./commands/proxy.ts";
import { vaultRun } from "./commands/run.ts";

export const COMMANDS: readonly Command[] = [
  login,
  logout,
  whoami,
  demo,
  demoPropose,
  userInvite,
  userList,
  userSetRole,
  userRemove,
  apiKeyCreate,
  apiKeyList,
  apiKeyRevoke,
  companySsoSet,
  companySsoShow,
  companySsoRemove,
  adminCompanyCreate,
  audit,
  auditVerify,
  attest,
  chainExport,
  chainVerify,
  vaultCreate,
  vaultList,
  vaultUse,
  credentialSet,
  credentialList,
  credentialDelete,
  vaultAgentList,
  vaultOauthConnect,
  vaultOauthProviders,
  vaultAgentAdd,
  vaultAgentSetRole,
  vaultAgentRemove,
  agentInvite,
  agentInviteList,
  agentInviteRevoke,
  agentList,
  agentInfo,
  agentSetRole,
  agentRename,
  agentDelete,
  agentRotate,
  agentDisable,
  agentEnable,
  agentPassportGrant,
  agentPassportIssue,
  agentPassportRotate,
  agentPassportRevoke,
  agentPassportVerify,
  agentRegistrations,
  agentApprove,
  agentReject,
  vaultSet,
  vaultLogs,
  serviceList,
  serviceShow,
  serviceAdd,
  serviceUpdate,
  serviceEnable,
  serviceDisable,
  serviceRemove,
  vaultWebhookAdd,
  vaultWebhookList,
  vaultWebhookRemove,
  proposalList,
  proposalShow,
  proposalApprove,
  proposalReject,
  proposalWait,
  requestList,
  requestApprove,
  requestReject,
  requestReleases,
  requestRevoke,
  sessionCreate,
  sessionList,
  sessionRevoke,
  vaultRun,
  proxy,
  caPath,
  caExport,
  caTrust,
  skillInstall,
  completionCommand(() => COMMANDS),
];

const HELP_FLAGS = new Set(["--help", "-h"]);

/** cli/package.json's version, written into the bundle by the esbuild builds (cli/build.js). */
declare const EDGEVAULT_CLI_VERSION: string | undefined;

function version(): string {
  if (typeof EDGEVAULT_CLI_VERSION === "string") return EDGEVAULT_CLI_VERSION;
  // Run from source (the tsx fallback): this file sits beside cli/package.json.
  const pkg: unknown = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string" ? pkg.version : "unknown";
}

/** The longest command path that argv starts with. */
function findCommand(argv: readonly string[]): Command | undefined {
  return [...COMMANDS].sort((a, b) => b.path.length - a.path.length).find((c) => c.path.every((word, i) => argv[i] === word));
}

/** Help flags count only before `--`, where everything after is an argument. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => HELP_FLAGS.has(arg));
}

/** A word that may be repeated in an error: it reads as a command word, not as a pasted value. */
const COMMAND_WORD = /^[a-z][a-z0-9-]{0,39}$/;

function unknownCommand(argv: readonly string[]): UsageError {
  // List the commands under the longest known prefix, e.g. `vault credential`.
  let depth = 0;
  while (COMMANDS.some((c) => c.path.length > depth + 1 && c.path.slice(0, depth + 1).every((word, i) => argv[i] === word))) depth += 1;
  const prefix = argv.slice(0, depth);
  const candidates = COMMANDS.filter((c) => prefix.every((word, i) => c.path[i] === word)).map((c) => `edgevault ${c.path.join(" ")}`);
  const asked = argv[depth];
  const what =
    asked === undefined
      ? `"edgevault ${prefix.join(" ")}" needs a subcommand`
      : COMMAND_WORD.test(asked)
        ? `Unknown command "${[...prefix, asked].join(" ")}"`
        : `Unknown command${depth === 0 ? "" : ` after "${prefix.join(" ")}"`} (not repeated here: it does not look like a command)`;
  const near = suggestCommands(argv);
  if (near.length > 0) return new UsageError(`${what}. Did you mean:\n  ${near.map((path) => `edgevault ${path}`).join("\n  ")}`);
  // The whole list is what --help shows; under a group, its few commands are worth listing.
  return new UsageError(depth === 0 ? what : `${what}. Try one of:\n  ${candidates.join("\n  ")}\n(edgevault help ${prefix.join(" ")} says what each does)`);
}

/**
 * Command paths the leading words of argv probably meant: a typo of a command or of a group
 * (`vualt list`, `vault crednetial`), or a command without its first word (`credential set`
 * for `vault credential set`). Only declared paths are returned.
 */
export function suggestCommands(argv: readonly string[]): string[] {
  const typed: string[] = [];
  for (const word of argv) {
    if (!COMMAND_WORD.test(word)) break;
    typed.push(word);
  }
  if (typed.length === 0) return [];
  const paths = new Map<string, number>();
  for (const command of COMMANDS) for (let n = 1; n <= command.path.length; n += 1) paths.set(command.path.slice(0, n).join(" "), n);
  // Typos: the longest path that the same number of typed words is a few edits from.
  const typos: { path: string; length: number }[] = [];
  for (const [path, length] of paths) {
    if (length > typed.length) continue;
    if (closest(typed.slice(0, length).join(" "), [path]).length > 0) typos.push({ path, length });
  }
  const longest = Math.max(0, ...typos.map((t) => t.length));
  const best = typos.filter((t) => t.length === longest).map((t) => t.path);
  const ranked = closest(typed.slice(0, longest).join(" "), best);
  // A missing first word: the typed words are how some command's path ends.
  const endings: string[] = [];
  if (!COMMANDS.some((c) => c.path[0] === typed[0])) {
    for (let k = typed.length; k >= 1 && endings.length === 0; k -= 1) {
      const tail = typed.slice(0, k).join(" ");
      for (const command of COMMANDS) if (command.path.length > k && command.path.slice(-k).join(" ") === tail) endings.push(command.path.join(" "));
    }
  }
  return [...new Set([...ranked, ...endings])].slice(0, 3);
}

/** Runs the CLI; resolves with the process exit code. */
export async function run(argv: readonly string[], context: CommandContext): Promise<number> {
  const program = context.program ?? "edgevault";
  try {
    if (argv.length === 0 || (argv.length === 1 && HELP_FLAGS.has(argv[0] ?? ""))) {
      context.out(mainHelp(COMMANDS, program));
      return EXIT.ok;
    }
    if (argv[0] === "help") {
      // `help vault service`, `help vault service add`: the words as they would be typed.
      const words = argv.slice(1).filter((word) => !HELP_FLAGS.has(word));
      const help = helpFor(COMMANDS, words, program);
      if (help === undefined) throw unknownCommand(words);
      context.out(help);
      return EXIT.ok;
    }
    if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
      context.out(version());
      return EXIT.ok;
    }
    const command = findCommand(argv);
    if (!command) {
      if (wantsHelp(argv)) {
        const group = groupAsked(COMMANDS, argv);
        context.out(group ? (helpFor(COMMANDS, group, program) ?? mainHelp(COMMANDS, program)) : mainHelp(COMMANDS, program));
        return EXIT.ok;
      }
      throw unknownCommand(argv);
    }
    const rest = argv.slice(command.path.length);
    if (wantsHelp(rest)) {
      context.out(commandWithSubcommands(COMMANDS, command));
      return EXIT.ok;
    }
    const code = await command.run(rest, context);
    return code ?? EXIT.ok;
  } catch (error) {
    return reportError(error, context, asksForJson(argv));
  }
}

/** The CLI answers to two names, the same binary under both: `agent-vault` as Agent Vault's own scripts call it. */
const PROGRAMS = new Set(["edgevault", "agent-vault"]);

/** The name the CLI was started by: npm's bin link keeps it in argv[1] (`…/.bin/agent-vault`). */
function programName(script: string | undefined): string {
  const name = path.basename(script ?? "").replace(/\.(c|m)?js$/, "");
  return PROGRAMS.has(name) ? name : "edgevault";
}

export function processContext(): CommandContext {
  // `edgevault … | head` closes the pipe early: that ends the command quietly, not with a crash.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT.ok);
    throw error;
  });
  return {
    program: programName(process.argv[1]),
    env: process.env,
    stdin: process.stdin,
    stderr: process.stderr,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
