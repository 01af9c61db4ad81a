/** `vault create` and `vault list`. */
import { z } from "zod";
import { type CreateVaultBody, OneVault, VaultList } from "../../workers/vaults/vaults.contract.ts";
import { createCommand } from "../command.ts";
import { table } from "../format.ts";
import { VaultName, VaultPolicy } from "../names.ts";
import { requireSession } from "../session.ts";

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
  },
  examples: ["edgevault vault create payments --policy deny"],
  async handler({ name, policy }, context) {
    const { client } = await requireSession(context);
    const { vault } = await client.request("POST", "/v1/vaults", OneVault, { body: { name, unmatched_host_policy: policy } satisfies z.input<typeof CreateVaultBody> });
    context.out(`Created vault "${vault.name}" (unmatched hosts: ${vault.unmatched_host_policy}; your role: ${vault.role}).`);
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
    const { vaults } = await client.request("GET", "/v1/vaults", VaultList);
    if (json) {
      context.out(JSON.stringify(vaults, null, 2));
      return;
    }
    if (vaults.length === 0) {
      context.err("No vaults yet. Create one: edgevault vault create <name>");
      return;
    }
    context.out(table(["NAME", "ROLE", "UNMATCHED HOSTS", "CREATED"], vaults.map((v) => [v.name, v.role, v.unmatched_host_policy, v.created_at])));
  },
});
