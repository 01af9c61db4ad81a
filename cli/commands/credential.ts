/**
 * `vault credential set|list|delete`. Values go in through stdin or a hidden prompt and are
 * never printed; the edge never returns them either, only key names.
 */
import { z } from "zod";
import {
  CredentialKeys,
  CredentialsDeleted,
  CredentialsSet,
  MAX_CREDENTIAL_VALUE_BYTES,
  MAX_CREDENTIALS_PER_REQUEST,
  type DeleteCredentialsBody,
  type SetCredentialsBody,
} from "../../workers/credentials/credentials.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import { CliError, UsageError } from "../cli-error.ts";
import type { Command } from "../command.ts";
import { CredentialKey } from "../names.ts";
import { readSecret } from "../prompt.ts";
import { requireSession, requireVault } from "../session.ts";

const VaultFlag = { vault: { type: "string" } } as const;
const VaultFlagSchema = z.object({ vault: z.string().optional() }).strict();
const VAULT_OPTION_HELP = "  --vault <name>   The vault (default: EDGEVAULT_VAULT; one of the two is required)";

const SET_USAGE = "edgevault vault credential set <KEY> [--vault <name>]";

export const credentialSet: Command = {
  path: ["vault", "credential", "set"],
  summary: "Store one credential; the value is read from stdin or a hidden prompt",
  help: `Usage: ${SET_USAGE}

Stores (or replaces) the credential KEY in the vault. The value is read from stdin when it is
piped (one trailing newline is dropped) or typed at a hidden prompt; it is never accepted as an
argument, so it stays out of shell history and process listings.

Options:
${VAULT_OPTION_HELP}

Examples:
  edgevault vault credential set STRIPE_KEY --vault payments          # type it at the prompt
  pbpaste | edgevault vault credential set STRIPE_KEY --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, VaultFlag, VaultFlagSchema);
    const key = positional(args[0], "KEY", CredentialKey);
    if (args.length > 1) {
      // The extra argument is most likely the value itself; say so without repeating it.
      throw new UsageError(
        `${SET_USAGE} takes one KEY; the value is read from stdin or a hidden prompt, never from arguments. If you typed a secret on the command line, it may be in your shell history.`,
      );
    }
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const value = await readSecret(context, `value for ${key}`);
    if (Buffer.byteLength(value, "utf8") > MAX_CREDENTIAL_VALUE_BYTES) throw new CliError(`The value is larger than ${MAX_CREDENTIAL_VALUE_BYTES} bytes, the edge's limit`);
    const stored = await client.request("POST", "/v1/credentials", CredentialsSet, {
      body: { vault, credentials: { [key]: value } } satisfies z.input<typeof SetCredentialsBody>,
    });
    context.out(`Stored ${stored.set.join(", ")} in vault "${stored.vault}".`);
  },
};

export const credentialList: Command = {
  path: ["vault", "credential", "list"],
  summary: "List credential names in a vault (values are never shown)",
  help: `Usage: edgevault vault credential list [--vault <name>] [--json]

Lists the credential key names in the vault, one per line. Values cannot be read back.

Options:
${VAULT_OPTION_HELP}
  --json           Print a JSON array of key names

Example:
  edgevault vault credential list --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { ...VaultFlag, json: { type: "boolean" } },
      VaultFlagSchema.extend({ json: z.boolean().default(false) }),
    );
    noMoreArgs(args, 0, "edgevault vault credential list [--vault <name>] [--json]");
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const { keys } = await client.request("GET", "/v1/credentials", CredentialKeys, { query: { vault } });
    if (flags.json) {
      context.out(JSON.stringify(keys));
      return;
    }
    if (keys.length === 0) {
      context.err(`No credentials in vault "${vault}" yet.`);
      return;
    }
    for (const key of keys) context.out(key);
  },
};

const DELETE_USAGE = "edgevault vault credential delete <KEY...> [--vault <name>]";

export const credentialDelete: Command = {
  path: ["vault", "credential", "delete"],
  summary: "Delete credentials by name",
  help: `Usage: ${DELETE_USAGE}

Deletes the named credentials from the vault. Exits 1 if any of them did not exist (the others
are still deleted).

Options:
${VAULT_OPTION_HELP}

Example:
  edgevault vault credential delete STRIPE_KEY OLD_TOKEN --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, VaultFlag, VaultFlagSchema);
    if (args.length === 0) throw new UsageError(`Missing argument <KEY>. Usage: ${DELETE_USAGE}`);
    if (args.length > MAX_CREDENTIALS_PER_REQUEST) throw new UsageError(`At most ${MAX_CREDENTIALS_PER_REQUEST} keys per command`);
    const keys = [...new Set(args.map((arg) => positional(arg, "KEY", CredentialKey)))];
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const result = await client.request("DELETE", "/v1/credentials", CredentialsDeleted, {
      body: { vault, keys } satisfies z.input<typeof DeleteCredentialsBody>,
    });
    if (result.deleted.length > 0) context.out(`Deleted ${result.deleted.join(", ")} from vault "${result.vault}".`);
    const missing = keys.filter((key) => !result.deleted.includes(key));
    if (missing.length > 0) throw new CliError(`No such credential in vault "${result.vault}": ${missing.join(", ")}`);
  },
};
