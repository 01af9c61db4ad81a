/**
 * `vault credential set|list|delete`. Values go in through stdin or a hidden prompt and are
 * never printed; the edge never returns them either, only key names.
 */
import {
  CredentialKeys,
  CredentialsDeleted,
  CredentialsSet,
  MAX_CREDENTIAL_VALUE_BYTES,
  MAX_CREDENTIALS_PER_REQUEST,
} from "../../workers/credentials/credentials.contract.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { JSON_OPTION, printJson } from "../format.ts";
import { CredentialKey } from "../command/names.ts";
import { readSecret } from "../prompt.ts";
import { requireSession } from "../edge/session.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

export const credentialSet = createCommand({
  path: ["vault", "credential", "set"],
  summary: "Store one credential; the value is read from stdin or a hidden prompt",
  description: `Stores (or replaces) the credential KEY in the vault. The value is read from stdin when it is
piped (one trailing newline is dropped) or typed at a hidden prompt; it is never accepted as an
argument, so it stays out of shell history and process listings.`,
  positionals: [{ name: "KEY", schema: CredentialKey, description: "The credential's name, e.g. STRIPE_KEY: upper case letters, digits and underscores" }],
  options: { vault: VAULT_OPTION, json: JSON_OPTION("the edge's answer", "{vault, set: [keys]}") },
  examples: [
    "edgevault vault credential set STRIPE_KEY --vault payments          # type it at the prompt",
    "pbpaste | edgevault vault credential set STRIPE_KEY --vault payments",
  ],
  // The extra argument is most likely the value itself; say so without repeating it.
  extraArgumentsHint:
    "the value is read from stdin or a hidden prompt, never from arguments. If you typed a secret on the command line, it may be in your shell history",
  async handler({ KEY: key, vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const value = await readSecret(context, `value for ${key}`);
    if (Buffer.byteLength(value, "utf8") > MAX_CREDENTIAL_VALUE_BYTES)
      throw new CliError(`The value is larger than ${MAX_CREDENTIAL_VALUE_BYTES} bytes, the edge's limit`);
    const stored = await client.call("post", "/v1/credentials", CredentialsSet, {
      body: { vault, credentials: { [key]: value } },
    });
    if (json) printJson(context, stored);
    else context.out(`Stored ${stored.set.join(", ")} in vault "${stored.vault}".`);
  },
});

export const credentialList = createCommand({
  path: ["vault", "credential", "list"],
  summary: "List credential names in a vault (values are never shown)",
  description: "Lists the credential key names in the vault, one per line. Values cannot be read back.",
  options: { vault: VAULT_OPTION, json: { type: "boolean", description: "Print a JSON array of key names" } },
  examples: ["edgevault vault credential list --vault payments"],
  async handler({ vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { keys } = await client.call("get", "/v1/credentials", CredentialKeys, { query: { vault } });
    if (json) {
      context.out(JSON.stringify(keys));
      return;
    }
    if (keys.length === 0) {
      context.err(`No credentials in vault "${vault}" yet.`);
      return;
    }
    for (const key of keys) context.out(key);
  },
});

export const credentialDelete = createCommand({
  path: ["vault", "credential", "delete"],
  summary: "Delete credentials by name",
  description: `Deletes the named credentials from the vault. Exits 1 if any of them did not exist (the others
are still deleted).`,
  positionals: [{ name: "KEY", schema: CredentialKey, variadic: true, description: `The credentials to delete, up to ${MAX_CREDENTIALS_PER_REQUEST}` }],
  options: { vault: VAULT_OPTION, json: JSON_OPTION("the edge's answer", "{vault, deleted: [keys]}, also when some keys did not exist (exit 1)") },
  examples: ["edgevault vault credential delete STRIPE_KEY OLD_TOKEN --vault payments"],
  async handler({ KEY: given, vault: flag, json }, context) {
    if (given.length > MAX_CREDENTIALS_PER_REQUEST) throw new UsageError(`At most ${MAX_CREDENTIALS_PER_REQUEST} keys per command`);
    const keys = [...new Set(given)];
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const result = await client.call("delete", "/v1/credentials", CredentialsDeleted, {
      body: { vault, keys },
    });
    if (json) printJson(context, result);
    else if (result.deleted.length > 0) context.out(`Deleted ${result.deleted.join(", ")} from vault "${result.vault}".`);
    const missing = keys.filter((key) => !result.deleted.includes(key));
    if (missing.length > 0) throw new CliError(`No such credential in vault "${result.vault}": ${missing.join(", ")}`);
  },
});
