/**
 * Which vault a vault-scoped command addresses. Every company starts with a vault named
 * `default` (as Agent Vault does), so no command needs `--vault`: it is `--vault`, else
 * EDGEVAULT_VAULT, else the vault chosen with `edgevault vault use`, else `default`. Unless
 * `--vault` named it, the command says on stderr which vault it used and why, so a command run
 * against the wrong vault is noticed, while piped stdout stays the same.
 */
import { DEFAULT_VAULT } from "../workers/companies/companies.contract.ts";
import { UsageError } from "./cli-error.ts";
import type { CommandContext, OptionSpec } from "./command/command.ts";
import { loadConfig } from "./edge/config.ts";
import { VaultName } from "./command/names.ts";
import { fromEnv } from "./program-env.ts";

/** `--vault`, declared once for every vault-scoped command. */
export const VAULT_OPTION = {
  type: "string",
  placeholder: "name",
  schema: VaultName.optional(),
  description: `The vault. Without it: EDGEVAULT_VAULT, else the vault chosen with \`edgevault vault use\`, else "${DEFAULT_VAULT}"`,
} as const satisfies OptionSpec;

export type VaultSource = "--vault" | "EDGEVAULT_VAULT" | "AGENT_VAULT_VAULT" | "vault use" | "default";

export type ChosenVault = { name: string; source: VaultSource };

/** Why a vault was used, as the notes on stderr put it. */
export function describeSource(source: VaultSource): string {
  switch (source) {
    case "--vault":
      return "given with --vault";
    case "EDGEVAULT_VAULT":
    case "AGENT_VAULT_VAULT":
      return `from ${source}`;
    case "vault use":
      return "chosen with edgevault vault use; --vault or EDGEVAULT_VAULT override it";
    case "default":
      return "the default; choose with --vault, EDGEVAULT_VAULT or edgevault vault use";
  }
}

/** The vault and where it came from, without saying anything. */
export async function chooseVault(context: CommandContext, flag: string | undefined): Promise<ChosenVault> {
  if (flag !== undefined) return { name: flag, source: "--vault" };
  // As `agent-vault`, AGENT_VAULT_VAULT after EDGEVAULT_VAULT (program-env.ts).
  const env = fromEnv(context, "vault");
  if (env) {
    const result = VaultName.safeParse(env.value);
    if (!result.success) throw new UsageError(`${env.source} ${result.error.issues[0]?.message ?? "is not a vault name"}`);
    return { name: result.data, source: env.source };
  }
  // Validated by the config's schema, like everything else in the file.
  const saved = (await loadConfig(context.env))?.vault;
  if (saved !== undefined) return { name: saved, source: "vault use" };
  return { name: DEFAULT_VAULT, source: "default" };
}

/**
 * The vault a vault-scoped command addresses (`flag` is its `--vault`); says on stderr which one
 * unless `--vault` named it.
 * @example
 * const vault = await resolveVault(context, args.vault); // "default", with a note on stderr
 */
export async function resolveVault(context: CommandContext, flag: string | undefined): Promise<string> {
  const chosen = await chooseVault(context, flag);
  if (chosen.source !== "--vault") context.err(`Using vault "${chosen.name}" (${describeSource(chosen.source)})`);
  return chosen.name;
}
