/**
 * The variables the CLI reads under each of its names. Started as `agent-vault`, it reads Agent
 * Vault's names too (AGENT_VAULT_ADDR, AGENT_VAULT_VAULT: what seed 002's scripts set), after
 * ours; started as `edgevault` it never does, so a shell set up for an Agent Vault server does
 * not send an Edgevault login there.
 */
import type { CommandContext } from "./command/command.ts";

/** A setting the environment can give: our variable, and Agent Vault's for the same thing. */
const NAMES = {
  addr: ["EDGEVAULT_ADDR", "AGENT_VAULT_ADDR"],
  vault: ["EDGEVAULT_VAULT", "AGENT_VAULT_VAULT"],
} as const;

export type EnvSetting = keyof typeof NAMES;

/** Whether the CLI was started under Agent Vault's command name. */
export const asAgentVault = (context: Pick<CommandContext, "program">) => context.program === "agent-vault";

/**
 * The value the environment gives `setting`, and the variable it came from; undefined when unset.
 * @example
 * fromEnv(context, "addr") // { value: "https://edgevault.example.com", source: "EDGEVAULT_ADDR" }
 */
export function fromEnv<S extends EnvSetting>(
  context: Pick<CommandContext, "env" | "program">,
  setting: S,
): { value: string; source: (typeof NAMES)[S][number] } | undefined {
  const [ours, theirs]: readonly [(typeof NAMES)[S][number], (typeof NAMES)[S][number]] = NAMES[setting];
  const own = context.env[ours];
  if (own) return { value: own, source: ours };
  const seeded = asAgentVault(context) ? context.env[theirs] : undefined;
  return seeded ? { value: seeded, source: theirs } : undefined;
}
