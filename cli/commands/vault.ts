/** `vault create`, `vault list` and `vault use`. */
import { DEFAULT_VAULT } from "../../workers/companies/companies.contract.ts";
import { OneVault, VaultList } from "../../workers/vaults/vaults.contract.ts";
import { UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { loadConfig, saveConfig } from "../edge/config.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { VaultName, VaultPolicy } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { chooseVault, describeSource } from "../vault-option.ts";

export const vaultCreate = createCommand({
  path: ["vault", "create"],
  summary: "Create a vault (you become its admin)",
  description: "Creates a vault in your company.",
  positionals: [{ name: "name", schema: VaultName, description: "The vault's name: lowercase letters, digits and hyphens" }],
  options: {
    policy: {
      type: "string",
      schema: VaultPolicy,
      default: "passthrough",
      description: "What the local proxy does with hosts no service matches: passthrough tunnels them, deny refuses them",
    },
    json: JSON_OPTION("the created vault"),
  },
  examples: ["edgevault vault create payments --policy deny", "edgevault vault create payments --json | jq -r .id"],
  async handler({ name, policy, json }, context) {
    const { client } = await requireSession(context);
    const { vault } = await client.call("post", "/v1/vaults", OneVault, {
      body: { name, unmatched_host_policy: policy },
    });
    if (json) printJson(context, vault);
    else context.out(`Created vault "${vault.name}" (unmatched hosts: ${vault.unmatched_host_policy}; your role: ${vault.role}).`);
  },
});

export const vaultList = createCommand({
  path: ["vault", "list"],
  summary: "List the vaults you can use, with your role in each",
  description: "Lists the vaults the current token can use.",
  options: {
    json: { type: "boolean", description: "Print a JSON array of vaults (id, name, unmatched_host_policy, rate_limit, role, created_at)" },
  },
  examples: ["edgevault vault list", "edgevault vault list --json | jq -r '.[].name'"],
  async handler({ json }, context) {
    const { client } = await requireSession(context);
    const { vaults } = await client.call("get", "/v1/vaults", VaultList);
    if (json) {
      context.out(JSON.stringify(vaults, null, 2));
      return;
    }
    if (vaults.length === 0) {
      context.err("No vaults yet. Create one: edgevault vault create <name>");
      return;
    }
    context.out(
      table(
        ["NAME", "ROLE", "UNMATCHED HOSTS", "CREATED"],
        vaults.map((v) => [v.name, v.role, v.unmatched_host_policy, v.created_at]),
      ),
    );
  },
});

export const vaultUse = createCommand({
  path: ["vault", "use"],
  summary: `Choose the vault commands use when --vault and EDGEVAULT_VAULT are not given (else "${DEFAULT_VAULT}")`,
  description: `Saves the vault that vault-scoped commands (vault credential, vault agent, vault service, vault
set, logs and webhook, proposal list, session, vault run) use when neither --vault nor
EDGEVAULT_VAULT names one; without a choice they use "${DEFAULT_VAULT}", the vault every company
starts with. The choice is kept in the config file next to the login, and outlives logins. The
vault is looked up first (GET /v1/vaults/<name>), so a typo is refused rather than saved.

Without a name, prints the vault commands would use now (on stdout) and why (on stderr).`,
  positionals: [{ name: "name", schema: VaultName.optional(), description: "The vault to use from now on" }],
  options: {
    clear: { type: "boolean", description: `Forget the choice: commands use "${DEFAULT_VAULT}" again` },
    json: JSON_OPTION("{vault, source}", 'the vault commands use now, after any change, and why: "EDGEVAULT_VAULT", "vault use" or "default"'),
  },
  examples: ["edgevault vault use payments", "edgevault vault use", "edgevault vault use --json | jq -r .vault", "edgevault vault use --clear"],
  async handler({ name, clear, json }, context) {
    if (name !== undefined && clear) throw new UsageError("Give a vault name or --clear, not both");
    const config = await loadConfig(context.env);
    // With --json every form prints the same thing, after its change: the vault commands use now, and why.
    const report = async (sentence: string) => {
      if (!json) {
        context.out(sentence);
        return;
      }
      const chosen = await chooseVault(context, undefined);
      printJson(context, { vault: chosen.name, source: chosen.source });
    };
    if (clear) {
      if (config?.vault === undefined) {
        await report(`No vault was chosen; commands use "${DEFAULT_VAULT}" when --vault and EDGEVAULT_VAULT are not given.`);
        return;
      }
      const { vault: _forgotten, ...kept } = config;
      await saveConfig(context.env, kept);
      await report(`Forgot vault "${config.vault}"; commands use "${DEFAULT_VAULT}" when --vault and EDGEVAULT_VAULT are not given.`);
      return;
    }
    if (name === undefined) {
      const chosen = await chooseVault(context, undefined);
      await report(chosen.name);
      if (!json) context.err(`(${describeSource(chosen.source)})`);
      return;
    }
    const { client } = await requireSession(context);
    const { vault } = await client.call("get", "/v1/vaults/{vault}", OneVault, { params: { vault: name } });
    await saveConfig(context.env, { ...config, vault: vault.name });
    await report(`Commands now use vault "${vault.name}" (your role: ${vault.role}) when --vault and EDGEVAULT_VAULT are not given.`);
    if (context.env.EDGEVAULT_VAULT) context.err("Note: EDGEVAULT_VAULT is set in this shell; it takes precedence over this choice.");
  },
});
