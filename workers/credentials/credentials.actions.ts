/**
 * A vault's credentials: values go in sealed (AES-GCM under the company's data key, bound to
 * company, vault and key), only key names come out. The API, the console's credential form and
 * proposal approval all write them here, and all are held to one rule: a value for a key that a
 * service sends to a destination no vault admin chose needs a vault admin (`requireAdminForUnvettedKeys`).
 */
import type { ActionContext } from "../action-context.ts";
import { authorizeSelectedVault } from "../auth/vault-access.ts";
import type { VaultRole } from "../db/schema.ts";
import { AppError } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto/crypto-envelope.ts";
import { roleAtLeast } from "../lib/principal.ts";
import { sentToNow } from "../proposals/impact.ts";
import { destinationText, type SlotDestination } from "../proposals/proposals.contract.ts";
import { vaultAsItIs } from "../proposals/proposals.queries.ts";
import { credentialNames, credentialSummaries as summariesOf, deleteCredentialsChange, setCredentialsChange } from "./credentials.queries.ts";

type Vault = { id: string; companyId: string };

/**
 * A value typed for a key that any service sends to a destination no vault admin chose (an
 * agent, a session, or a person below admin — a member whose service proposal an admin approved
 * chose it; see proposals.contract.ts `chosenByVaultAdmin`) needs an admin of the vault: whoever
 * chose it pointed the key there, so whoever types, say, the Stripe key under it hands that key
 * to the chooser's host — the power of choosing a destination, which only an admin holds
 * directly. The one home of the rule: a person's direct write (`setCredentials`) and deciding a
 * proposal (proposals.actions.ts `requireDecider`, with where each value goes once it applies)
 * both hold it here. `doing` ends the refusal's sentence ("decide it", "set its value").
 */
export function requireAdminForUnvettedKeys(role: VaultRole, keys: readonly { key: string; sent_to?: readonly SlotDestination[] }[], doing: string): void {
  if (roleAtLeast(role, "admin")) return;
  for (const { key, sent_to } of keys) {
    const unvetted = sent_to?.find((d) => !d.chosen_by_admin);
    if (unvetted) {
      const chooser = unvetted.chosen_by_agent ? "an agent chose" : "no admin of the vault chose";
      throw new AppError(
        403,
        "admin_required",
        `"${key}" is sent to ${destinationText(unvetted)} (service "${unvetted.service}"), a destination ${chooser}: only an admin of the vault can ${doing}`,
      );
    }
  }
}

/**
 * The change that stores `values` sealed (credential.set, with its audit row): the one upsert of a
 * credential, for a direct write and an approval alike.
 */
export async function sealedCredentialsChange(ctx: ActionContext, vault: Vault, values: Readonly<Record<string, string>>) {
  const dataKey = await ctx.edge.dataKey(vault.companyId);
  const keys = Object.keys(values).sort();
  // Seal first, then build the statements: drizzle queries are thenables, so an async map
  // returning them would run each one on its own instead of inside the batch.
  const sealed = await Promise.all(keys.map((key) => sealText(dataKey, values[key] ?? "", associatedData.credential(vault.companyId, vault.id, key))));
  const rows = keys.map((key, i) => ({ key, ciphertext: sealed[i] ?? "" }));
  return setCredentialsChange(ctx.db, ctx.principal, vault, rows, ctx.edge.now());
}

/** The change that deletes `keys` (credential.delete, with its audit row); its first result names those that existed. */
export const credentialsDeletion = (ctx: ActionContext, vault: Vault, keys: readonly string[]) => deleteCredentialsChange(ctx.db, ctx.principal, vault, keys);

/**
 * Stores credentials in the vault a request names (`vaultName`, else a session's own). A person
 * below admin may not type a value that a service sends to a destination no vault admin chose
 * (403 `admin_required`). Agents are not held to that: what an agent stores it already holds, and
 * sending its own value to a host it (or anyone) chose leaks nothing a person typed.
 */
export async function setCredentials(ctx: ActionContext, vaultName: string | undefined, values: Readonly<Record<string, string>>) {
  const { vault, role } = await authorizeSelectedVault(ctx, vaultName);
  const keys = Object.keys(values).sort();
  if (ctx.principal.kind === "user" && !roleAtLeast(role, "admin")) {
    const { current } = await vaultAsItIs(ctx.db, vault.companyId, vault.id);
    requireAdminForUnvettedKeys(
      role,
      keys.map((key) => ({ key, sent_to: sentToNow(key, current) })),
      "set its value",
    );
  }
  await ctx.commit(await sealedCredentialsChange(ctx, vault, values));
  return { vault: vault.name, set: keys };
}

/** The vault's credential key names, sorted (never values). */
export async function listCredentials(ctx: ActionContext, vaultName: string | undefined) {
  const { vault } = await authorizeSelectedVault(ctx, vaultName);
  return { vault: vault.name, keys: await credentialNames(ctx.db, vault) };
}

/** Deletes credentials by key; answers the keys that existed. */
export async function deleteCredentials(ctx: ActionContext, vaultName: string | undefined, keys: readonly string[]) {
  const { vault } = await authorizeSelectedVault(ctx, vaultName);
  const [deleted] = await ctx.commit(credentialsDeletion(ctx, vault, keys));
  return { vault: vault.name, deleted: deleted.map((r) => r.key).sort() };
}

/** The vault's credential names with when each was last set, as the console lists them (never values). */
export async function credentialSummaries(ctx: ActionContext, vaultName: string): Promise<{ key: string; updatedAt: number }[]> {
  const { vault } = await authorizeSelectedVault(ctx, vaultName);
  return summariesOf(ctx.db, vault);
}
