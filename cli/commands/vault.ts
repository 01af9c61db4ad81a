/** `vault create` and `vault list`. */
import { z } from "zod";
import { type CreateVaultBody, OneVault, VaultList } from "../../workers/vaults/vaults.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import type { Command } from "../command.ts";
import { table } from "../format.ts";
import { VaultName, VaultPolicy } from "../names.ts";
import { requireSession } from "../session.ts";

const CREATE_USAGE = "edgevault vault create <name> [--policy passthrough|deny]";

export const vaultCreate: Command = {
  path: ["vault", "create"],
  summary: "Create a vault (you become its admin)",
  help: `Usage: ${CREATE_USAGE}

Creates a vault in your company. Names are lowercase letters, digits and hyphens.

Options:
  --policy <policy>   What the local proxy does with hosts no service matches:
                      passthrough (default) tunnels them, deny refuses them

Example:
  edgevault vault create payments --policy deny`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { policy: { type: "string" } },
      z.object({ policy: VaultPolicy.default("passthrough") }).strict(),
    );
    const name = positional(args[0], "name", VaultName);
    noMoreArgs(args, 1, CREATE_USAGE);
    const { client } = await requireSession(context);
    const { vault } = await client.request("POST", "/v1/vaults", OneVault, { body: { name, unmatched_host_policy: flags.policy } satisfies z.input<typeof CreateVaultBody> });
    context.out(`Created vault "${vault.name}" (unmatched hosts: ${vault.unmatched_host_policy}; your role: ${vault.role}).`);
  },
};

export const vaultList: Command = {
  path: ["vault", "list"],
  summary: "List the vaults you can use, with your role in each",
  help: `Usage: edgevault vault list [--json]

Lists the vaults the current token can use.

Options:
  --json   Print a JSON array of vaults (id, name, unmatched_host_policy, rate_limit, role,
           created_at)

Examples:
  edgevault vault list
  edgevault vault list --json | jq -r '.[].name'`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { json: { type: "boolean" } }, z.object({ json: z.boolean().default(false) }).strict());
    noMoreArgs(args, 0, "edgevault vault list [--json]");
    const { client } = await requireSession(context);
    const { vaults } = await client.request("GET", "/v1/vaults", VaultList);
    if (flags.json) {
      context.out(JSON.stringify(vaults, null, 2));
      return;
    }
    if (vaults.length === 0) {
      context.err("No vaults yet. Create one: edgevault vault create <name>");
      return;
    }
    context.out(table(["NAME", "ROLE", "UNMATCHED HOSTS", "CREATED"], vaults.map((v) => [v.name, v.role, v.unmatched_host_policy, v.created_at])));
  },
};
