/**
 * `api-key create|list|revoke`: company API keys, which act as a company owner (for CI jobs and
 * scripts, passed in EDGEVAULT_API_KEY). A new key's token is printed once, alone on stdout;
 * listings show only its prefix and label. Company owners (and API keys) only.
 */
import { z } from "zod";
import { ApiKeyList, ApiKeyRevoked, IssuedApiKey } from "../../workers/companies/companies.contract.ts";
import { CliError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { confirm } from "../confirm.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { listedId } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";

/** The edge's own bound on a key's label (CreateApiKeyBody). */
const MAX_LABEL_LENGTH = 100;
const DEFAULT_LABEL = "edgevault cli";

const ApiKeyId = listedId(1, 64, "must be a key id as shown by `edgevault api-key list` (e.g. key_6afd92777657ff6f1b)");

export const apiKeyCreate = createCommand({
  path: ["api-key", "create"],
  summary: "Create a company API key (acts as an owner); prints its token once",
  description: `Creates a company API key. It acts as a company owner: it can do everything an owner can, in
every vault, so give it only to what needs that (a CI job that manages vaults, a provisioning
script), and prefer a vault session (session create) for anything that only makes requests.
The token is printed once, alone on stdout, so it can go straight into a secret store; it
cannot be shown again. Use it with EDGEVAULT_API_KEY; edgevault login does not save one unless
asked. Company owners (and API keys) only.`,
  options: {
    label: {
      type: "string",
      placeholder: "text",
      schema: z.string().min(1, "must not be empty").max(MAX_LABEL_LENGTH, `must be at most ${MAX_LABEL_LENGTH} characters`),
      default: DEFAULT_LABEL,
      description: "What the key is for, shown by api-key list",
    },
    json: JSON_OPTION("{id, label, prefix, token, created_at} instead of the bare token"),
  },
  examples: ['edgevault api-key create --label "deploy pipeline" | gh secret set EDGEVAULT_API_KEY', "edgevault api-key create --json"],
  async handler({ label, json }, context) {
    const { client } = await requireSession(context);
    const key = await client.call("post", "/v1/api-keys", IssuedApiKey, { body: { label } });
    if (json) {
      printJson(context, key);
      return;
    }
    context.out(key.token);
    context.err("");
    context.err(`API key ${key.id} ("${oneLine(key.label, 60)}"), acting as a company owner. The line above is its token, shown only now.`);
    context.err(`Use it as EDGEVAULT_API_KEY. To revoke it: edgevault api-key revoke ${key.id}`);
  },
});

export const apiKeyList = createCommand({
  path: ["api-key", "list"],
  summary: "List the company's active API keys (labels and prefixes; never tokens)",
  description: "Lists the company's active API keys: id, label, the token's first characters, when it was created and last used.",
  options: { json: JSON_OPTION("a JSON array of keys (the edge's fields)") },
  examples: ["edgevault api-key list"],
  async handler({ json }, context) {
    const { client } = await requireSession(context);
    const { api_keys: keys } = await client.call("get", "/v1/api-keys", ApiKeyList);
    if (json) {
      printJson(context, keys);
      return;
    }
    if (keys.length === 0) {
      context.err("No active API keys. Create one: edgevault api-key create --label <text>");
      return;
    }
    context.out(
      table(
        ["ID", "LABEL", "PREFIX", "CREATED", "LAST USED"],
        keys.map((k) => [k.id, oneLine(k.label, 40), `${k.prefix}…`, k.created_at, k.last_used_at ?? "never"]),
      ),
    );
  },
});

export const apiKeyRevoke = createCommand({
  path: ["api-key", "revoke"],
  summary: "Revoke a company API key; anything using it is refused from its next request",
  description: `Revokes the key: it is refused from its next request, and the vault sessions minted with it end
too. This cannot be undone. The company's last owner credential (no owner user, no other key)
cannot be revoked. Asks for confirmation on a terminal; without a terminal (scripts, CI) --yes
is required. Company owners (and API keys) only; a key may revoke itself.`,
  positionals: [{ name: "id", schema: ApiKeyId, description: "The key's id, as api-key list shows it" }],
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation" }, json: JSON_OPTION("the edge's answer", "{revoked: <id>}") },
  examples: ["edgevault api-key revoke key_6afd92777657ff6f1b", "edgevault api-key revoke key_6afd92777657ff6f1b --yes"],
  async handler({ id, yes, json }, context) {
    const { client } = await requireSession(context);
    await confirm(context, {
      yes,
      action: `revoke API key ${id}`,
      question: async () => {
        const { api_keys: keys } = await client.call("get", "/v1/api-keys", ApiKeyList);
        const key = keys.find((k) => k.id === id);
        if (!key) throw new CliError(`No active API key ${id}; edgevault api-key list shows the company's keys`);
        return `Revoke API key ${key.id} ("${oneLine(key.label, 60)}", last used ${key.last_used_at ?? "never"})? Anything using it is refused from then on.`;
      },
    });
    const revoked = await client.call("delete", "/v1/api-keys/{id}", ApiKeyRevoked, { params: { id } });
    if (json) printJson(context, revoked);
    else context.out(`Revoked API key ${revoked.revoked}.`);
  },
});
