/**
 * `--vault`, declared once for every vault-scoped command, and the vault it resolves to:
 * `--vault`, else EDGEVAULT_VAULT.
 */
import { UsageError } from "./cli-error.ts";
import type { CommandContext, OptionSpec } from "./command.ts";
import { VaultName } from "./names.ts";

export const VAULT_OPTION = {
  type: "string",
  placeholder: "name",
  schema: VaultName.optional(),
  description: "The vault (default: EDGEVAULT_VAULT; one of the two is required)",
} as const satisfies OptionSpec;

/**
 * The vault a vault-scoped command addresses (`flag` is its `--vault`).
 * @example
 * const vault = await resolveVault(context, args.vault);
 */
export async function resolveVault(context: CommandContext, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  const fromEnv = context.env.EDGEVAULT_VAULT;
  if (!fromEnv) throw new UsageError("Name the vault: --vault <name>, or set EDGEVAULT_VAULT");
  const result = VaultName.safeParse(fromEnv);
  if (!result.success) throw new UsageError(`EDGEVAULT_VAULT ${result.error.issues[0]?.message ?? "is not a vault name"}`);
  return result.data;
}
