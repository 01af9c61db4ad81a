/**
 * `vault service list|add|update|enable|disable|remove`: which hosts the proxy forwards for a
 * vault and how each request gets its credential. Auth configs name credential keys only (see
 * service-auth.ts); the values stay in `vault credential`.
 */
import { z } from "zod";
import { CredentialKeys } from "../../workers/credentials/credentials.contract.ts";
import {
  type CreateServiceBody,
  MAX_HOST_PATTERN_LENGTH,
  MAX_SERVICE_DESCRIPTION_LENGTH,
  OneService,
  ServiceDeleted,
  ServiceList,
  type ServiceView,
  type UpdateServiceBody,
} from "../../workers/services/services.contract.ts";
import { noMoreArgs, parseCommandLine, positional } from "../args.ts";
import type { ApiClient } from "../api-client.ts";
import { UsageError } from "../cli-error.ts";
import type { Command } from "../command.ts";
import { confirm } from "../confirm.ts";
import { table } from "../format.ts";
import { VaultName } from "../names.ts";
import { AUTH_HELP, describeAuth, parseAuthFlags } from "../service-auth.ts";
import { requireSession, requireVault } from "../session.ts";
import { oneLine } from "../terminal-text.ts";

/** Service names follow vault names (`ResourceName` on the edge). */
const ServiceName = VaultName;

const HostPattern = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_HOST_PATTERN_LENGTH, `must be at most ${MAX_HOST_PATTERN_LENGTH} characters`)
  .refine((host) => !host.includes("://"), "is a host pattern, not a URL: drop the scheme (api.example.com, *.example.com, host:8443, host/api/*)");

/**
 * `--upstream`: an origin (`https://host[:port]`, nothing after it), or `none` to clear it. The
 * edge decides which schemes and hosts it accepts (https only outside local development).
 */
const Upstream = z.string().transform((value, ctx) => {
  if (value === "none") return null;
  if (!/^https?:\/\/[^/?#@]+\/?$/.test(value)) {
    ctx.addIssue({ code: "custom", message: "must be an origin only, like https://eu.api.example.com (no path, query or userinfo), or none to clear it" });
    return z.NEVER;
  }
  return value.replace(/\/$/, "");
});

const Description = z.string().max(MAX_SERVICE_DESCRIPTION_LENGTH, `must be at most ${MAX_SERVICE_DESCRIPTION_LENGTH} characters`);

const VAULT_OPTION_HELP = "  --vault <name>        The vault (default: EDGEVAULT_VAULT; one of the two is required)";
const VaultFlag = { vault: { type: "string" } } as const;

const servicesPath = (vault: string) => `/v1/vaults/${encodeURIComponent(vault)}/services`;
const servicePath = (vault: string, name: string) => `${servicesPath(vault)}/${encodeURIComponent(name)}`;

/** What a service now is, in one line: host, upstream, auth, on or off. */
function summary(service: ServiceView): string {
  const upstream = service.upstream ? ` via ${service.upstream}` : "";
  return `${service.host}${upstream}, ${describeAuth(service.auth)}, ${service.enabled ? "enabled" : "disabled"}`;
}

/** Credential keys the auth names that the vault does not hold yet: the proxy would answer 502. */
async function warnMissingKeys(client: ApiClient, vault: string, service: ServiceView, err: (line: string) => void): Promise<void> {
  if (service.credential_keys.length === 0) return;
  // Advice only: the change is made, so a failure to look (say, a role that cannot list) is no error.
  const keys = await client
    .request("GET", "/v1/credentials", CredentialKeys, { query: { vault } })
    .then((answer) => answer.keys)
    .catch(() => undefined);
  if (keys === undefined) return;
  const missing = service.credential_keys.filter((key) => !keys.includes(key));
  if (missing.length > 0) {
    err(`Note: vault "${vault}" has no ${missing.join(", ")} yet; set ${missing.length === 1 ? "it" : "them"} with: edgevault vault credential set ${missing[0]} --vault ${vault}`);
  }
}

const LIST_USAGE = "edgevault vault service list [--vault <name>] [--json]";

export const serviceList: Command = {
  path: ["vault", "service", "list"],
  summary: "List a vault's services in matching order: host, auth, upstream, enabled",
  help: `Usage: ${LIST_USAGE}

Lists the vault's services in the order the proxy considers them, with the host pattern each
answers for, how the credential is attached, and the credential keys it needs. Any role in the
vault can list.

Options:
${VAULT_OPTION_HELP}
  --json                Print a JSON array of services (the edge's fields)

Examples:
  edgevault vault service list --vault payments
  edgevault vault service list --vault payments --json | jq -r '.[] | select(.enabled) | .host'`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { ...VaultFlag, json: { type: "boolean" } }, z.object({ vault: z.string().optional(), json: z.boolean().default(false) }).strict());
    noMoreArgs(args, 0, LIST_USAGE);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const { services } = await client.request("GET", servicesPath(vault), ServiceList);
    if (flags.json) {
      context.out(JSON.stringify(services, null, 2));
      return;
    }
    if (services.length === 0) {
      context.err(`No services in vault "${vault}". Add one: edgevault vault service add <name> --host <pattern> --auth bearer:<KEY> --vault ${vault}`);
      return;
    }
    context.out(
      table(
        ["NAME", "HOST", "AUTH", "UPSTREAM", "ENABLED", "DESCRIPTION"],
        services.map((s) => [s.name, s.host, describeAuth(s.auth), s.upstream ?? "-", s.enabled ? "yes" : "no", s.description ? oneLine(s.description, 40) : "-"]),
      ),
    );
  },
};

/** The flags add and update share. */
const SERVICE_FLAGS = {
  ...VaultFlag,
  host: { type: "string" },
  auth: { type: "string" },
  header: { type: "string", multiple: true },
  upstream: { type: "string" },
  description: { type: "string" },
  disabled: { type: "boolean" },
} as const;

const ServiceFlags = z.object({
  vault: z.string().optional(),
  host: HostPattern.optional(),
  auth: z.string().optional(),
  header: z.array(z.string()).default([]),
  upstream: Upstream.optional(),
  description: Description.optional(),
  disabled: z.boolean().default(false),
});

const ADD_USAGE = "edgevault vault service add <name> --host <pattern> --auth <auth> [--header '<Header>: <template>']... [--upstream <origin>] [--description <text>] [--disabled] [--vault <name>]";

export const serviceAdd: Command = {
  path: ["vault", "service", "add"],
  summary: "Add a service: a host pattern the proxy forwards, and how it attaches the credential",
  help: `Usage: ${ADD_USAGE}

Adds a service at the end of the vault's matching order. Requests an agent sends through the
proxy to a host the pattern matches get the credential attached as --auth says. Vault admins.

Host patterns (--host, required):
  api.example.com       that host, default port
  *.example.com         exactly one label under example.com
  api.example.com:8443  only that port
  slack.com/api/*       only paths under /api

${AUTH_HELP}

Options:
  --host <pattern>      What the service answers for (required)
  --auth <auth>         How the credential is attached (required), as above
  --header <h: tmpl>    A header of custom auth; repeat for several
  --upstream <origin>   Forward to this origin instead of the requested host,
                        e.g. https://eu.api.example.com
  --description <text>  Shown to agents by /discover (up to ${MAX_SERVICE_DESCRIPTION_LENGTH} characters)
  --disabled            Add it switched off (the proxy refuses its host until enabled)
${VAULT_OPTION_HELP}

Examples:
  edgevault vault service add stripe --host api.stripe.com --auth bearer:STRIPE_KEY --vault payments
  edgevault vault service add twilio --host api.twilio.com --auth basic:TWILIO_SID:TWILIO_TOKEN --vault payments
  edgevault vault service add openai --host api.openai.com --auth 'api-key:OPENAI_KEY:Authorization:Bearer ' --vault payments
  edgevault vault service add acme --host api.acme.test --auth custom --header 'X-Acme-Key: {{ ACME_KEY }}' --header 'X-Acme-Org: {{ ACME_ORG }}' --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, SERVICE_FLAGS, ServiceFlags.strict());
    const name = positional(args[0], "name", ServiceName);
    noMoreArgs(args, 1, "edgevault vault service add <name> --host <pattern> --auth <auth> [options]");
    if (flags.host === undefined) throw new UsageError("--host is required, e.g. --host api.stripe.com");
    if (flags.auth === undefined) throw new UsageError("--auth is required, e.g. --auth bearer:STRIPE_KEY (or --auth passthrough)");
    const auth = parseAuthFlags(flags.auth, flags.header);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const { service } = await client.request("POST", servicesPath(vault), OneService, {
      body: {
        name,
        host: flags.host,
        auth,
        enabled: !flags.disabled,
        ...(flags.upstream === undefined ? {} : { upstream: flags.upstream }),
        ...(flags.description === undefined ? {} : { description: flags.description }),
      } satisfies z.input<typeof CreateServiceBody>,
    });
    context.out(`Added service "${service.name}" to vault "${vault}": ${summary(service)}.`);
    await warnMissingKeys(client, vault, service, context.err);
  },
};

const UPDATE_USAGE = "edgevault vault service update <name> [--host <pattern>] [--auth <auth> [--header '<Header>: <template>']...] [--upstream <origin>|none] [--description <text>] [--rename <new-name>] [--enabled|--disabled] [--vault <name>]";

export const serviceUpdate: Command = {
  path: ["vault", "service", "update"],
  summary: "Change a service's host, auth, upstream, description or name",
  help: `Usage: ${UPDATE_USAGE}

Changes only what is given; the service keeps its place in the matching order. --auth replaces
the whole auth config (forms as for vault service add). Vault admins; the proxy uses the change
from its next request.

${AUTH_HELP}

Options:
  --host <pattern>      A new host pattern
  --auth <auth>         A new auth config
  --header <h: tmpl>    A header of custom auth; repeat for several
  --upstream <origin>   A new upstream origin; none forwards to the requested host again
  --description <text>  A new description; "" removes it
  --rename <new-name>   A new name for the service
  --enabled, --disabled Switch it on or off (also: vault service enable|disable)
${VAULT_OPTION_HELP}

Examples:
  edgevault vault service update stripe --auth bearer:STRIPE_RESTRICTED_KEY --vault payments
  edgevault vault service update stripe --upstream none --description "Stripe API" --vault payments`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { ...SERVICE_FLAGS, rename: { type: "string" }, enabled: { type: "boolean" } },
      ServiceFlags.extend({ rename: ServiceName.optional(), enabled: z.boolean().default(false) }).strict(),
    );
    const name = positional(args[0], "name", ServiceName);
    noMoreArgs(args, 1, "edgevault vault service update <name> [options]");
    if (flags.enabled && flags.disabled) throw new UsageError("--enabled and --disabled contradict each other; give one");
    const auth = parseAuthFlags(flags.auth, flags.header);
    const change = {
      ...(flags.rename === undefined ? {} : { name: flags.rename }),
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(auth === undefined ? {} : { auth }),
      ...(flags.upstream === undefined ? {} : { upstream: flags.upstream }),
      ...(flags.description === undefined ? {} : { description: flags.description }),
      ...(flags.enabled ? { enabled: true } : flags.disabled ? { enabled: false } : {}),
    } satisfies z.input<typeof UpdateServiceBody>;
    if (Object.keys(change).length === 0) throw new UsageError("Nothing to change: give --host, --auth, --upstream, --description, --rename, --enabled or --disabled");
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    const { service } = await client.request("PATCH", servicePath(vault, name), OneService, { body: change });
    context.out(`Updated service "${service.name}" in vault "${vault}": ${summary(service)}.`);
    if (auth !== undefined) await warnMissingKeys(client, vault, service, context.err);
  },
};

function switchCommand(enabled: boolean): Command {
  const verb = enabled ? "enable" : "disable";
  const usage = `edgevault vault service ${verb} <name> [--vault <name>]`;
  return {
    path: ["vault", "service", verb],
    summary: enabled ? "Switch a disabled service back on" : "Switch a service off: the proxy refuses its host, the config is kept",
    help: `Usage: ${usage}

${
  enabled
    ? "Switches the service on again: the proxy forwards its host from the next request."
    : "Switches the service off: from the next request the proxy refuses its host with 403\nservice_disabled. Its config is kept, so vault service enable restores it as it was."
} Vault admins.

Options:
${VAULT_OPTION_HELP}

Example:
  edgevault vault service ${verb} stripe --vault payments`,
    async run(argv, context) {
      const { flags, args } = parseCommandLine(argv, VaultFlag, z.object({ vault: z.string().optional() }).strict());
      const name = positional(args[0], "name", ServiceName);
      noMoreArgs(args, 1, usage);
      const vault = requireVault(context, flags.vault);
      const { client } = await requireSession(context);
      const { service } = await client.request("PATCH", servicePath(vault, name), OneService, { body: { enabled } satisfies z.input<typeof UpdateServiceBody> });
      context.out(`Service "${service.name}" in vault "${vault}" is ${service.enabled ? "enabled" : "disabled"}.`);
    },
  };
}

export const serviceEnable = switchCommand(true);
export const serviceDisable = switchCommand(false);

const REMOVE_USAGE = "edgevault vault service remove <name> [--vault <name>] [--yes]";

export const serviceRemove: Command = {
  path: ["vault", "service", "remove"],
  summary: "Remove a service (its credentials stay in the vault)",
  help: `Usage: ${REMOVE_USAGE}

Removes the service: from the next request the proxy no longer forwards its host. The
credentials it used stay in the vault (vault credential delete removes them). Asks for
confirmation on a terminal; without a terminal (scripts, CI) --yes is required. Vault admins.

Options:
${VAULT_OPTION_HELP}
  --yes                 Do not ask for confirmation

Example:
  edgevault vault service remove stripe --vault payments --yes`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { ...VaultFlag, yes: { type: "boolean", short: "y" } }, z.object({ vault: z.string().optional(), yes: z.boolean().default(false) }).strict());
    const name = positional(args[0], "name", ServiceName);
    noMoreArgs(args, 1, REMOVE_USAGE);
    const vault = requireVault(context, flags.vault);
    const { client } = await requireSession(context);
    await confirm(context, {
      yes: flags.yes,
      action: `remove service "${name}" from vault "${vault}"`,
      // Looked up first so a typo is a "not found" rather than a question about nothing.
      question: async () => {
        const { service } = await client.request("GET", servicePath(vault, name), OneService);
        return `Remove service "${service.name}" (${service.host}, ${describeAuth(service.auth)}) from vault "${vault}"?`;
      },
    });
    const { deleted } = await client.request("DELETE", servicePath(vault, name), ServiceDeleted);
    context.out(`Removed service "${deleted}" from vault "${vault}".`);
  },
};
