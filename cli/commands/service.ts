/**
 * `vault service list|show|add|update|enable|disable|remove`: which hosts the proxy forwards for a
 * vault, how each request gets its credential, and its per-request rules (methods, substitutions,
 * redaction: service-rules.ts; a person approving each call). Auth configs and rules name credential keys only (see
 * service-auth.ts); the values stay in `vault credential`.
 */
import { z } from "zod";
import { CredentialKeys } from "../../workers/credentials/credentials.contract.ts";
import {
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MAX_HOST_PATTERN_LENGTH,
  MAX_SERVICE_DESCRIPTION_LENGTH,
  OneService,
  ServiceDeleted,
  ServiceList,
  type ServiceView,
} from "../../workers/services/services.contract.ts";
import type { ApiClient } from "../edge/api-client.ts";
import { UsageError } from "../cli-error.ts";
import { type Command, createCommand, type OptionSpec } from "../command/command.ts";
import { confirm } from "../confirm.ts";
import { formatDuration, Ttl } from "../duration.ts";
import type { EdgeBody } from "../edge/edge-api.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { VaultName } from "../command/names.ts";
import { AUTH_HELP, describeAuth, OAUTH_OPTIONS, parseAuthFlags } from "../service-auth.ts";
import { MethodsFlag, RedactFlag, RULES_HELP, SubstitutionFlags } from "../service-rules.ts";
import { methodsInWords, redactionInWords, rulesInWords, substitutionInWords } from "../../workers/services/request-rules.contract.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

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

const SERVICE = { name: "name", schema: ServiceName, description: "The service's name (lowercase letters, digits and hyphens)" } as const;

/** A header of custom auth; add and update take it alike. */
const HEADER_OPTION = {
  type: "string",
  multiple: true,
  placeholder: "Header: template",
  description: "A header of --auth custom, e.g. 'X-Api-Key: {{ API_KEY }}'",
} as const satisfies OptionSpec;

/** `--approval-timeout 2m`: how long a held call waits for a person. */
const APPROVAL_TIMEOUT_OPTION = {
  type: "string",
  placeholder: "duration",
  schema: Ttl(1, MAX_APPROVAL_TIMEOUT_SECONDS).optional(),
  description: `How long a held call waits for a person before it is refused, such as 2m (default 2m, at most ${formatDuration(MAX_APPROVAL_TIMEOUT_SECONDS)})`,
} as const satisfies OptionSpec;

/** What a service now is, in one line: host, upstream, auth, the rules it has beyond the defaults, on or off. */
function summary(service: ServiceView): string {
  const upstream = service.upstream ? ` via ${service.upstream}` : "";
  const rules = [
    ...(service.methods ? [methodsInWords(service.methods)] : []),
    ...service.substitutions.map(substitutionInWords),
    ...(service.redact_response ? [] : [redactionInWords(false)]),
    ...(service.require_approval ? [`every call waits for a person (up to ${formatDuration(service.approval_timeout_seconds)})`] : []),
  ];
  return `${service.host}${upstream}, ${describeAuth(service.auth)}, ${rules.map((rule) => `${rule}, `).join("")}${service.enabled ? "enabled" : "disabled"}`;
}

/** The rule flags add and update share (the service's five per-request fields); absent flags change nothing. */
const RULE_OPTIONS = {
  methods: { type: "string", placeholder: "GET,HEAD|any", schema: MethodsFlag.optional(), description: "The only methods forwarded (any: every method)" },
  substitute: {
    type: "string",
    multiple: true,
    placeholder: "KEY:placeholder[:in]",
    schema: SubstitutionFlags,
    description: "Put the credential KEY where the request reads the placeholder (in: path, query, header); none removes them",
  },
  redact: { type: "string", placeholder: "on|off", schema: RedactFlag.optional(), description: "Redact credentials the upstream echoes back (default on)" },
  "require-approval": { type: "boolean", description: "Every call waits until a vault admin approves it (edgevault request approve)" },
  "no-approval": { type: "boolean", description: "Calls go through without a person (the default)" },
  "approval-timeout": APPROVAL_TIMEOUT_OPTION,
} as const satisfies Record<string, OptionSpec>;

type RuleArgs = {
  methods: ProxiedMethods | null | undefined;
  substitute: Substitutions | undefined;
  redact: boolean | undefined;
  "require-approval": boolean | undefined;
  "no-approval": boolean | undefined;
  "approval-timeout": number | undefined;
};

/** The rules a command line gives, as the API's fields. */
function rulesOf(args: RuleArgs) {
  if (args["require-approval"] && args["no-approval"]) throw new UsageError("--require-approval and --no-approval contradict each other; give one");
  return {
    ...(args.methods === undefined ? {} : { methods: args.methods }),
    ...(args.substitute === undefined ? {} : { substitutions: args.substitute }),
    ...(args.redact === undefined ? {} : { redact_response: args.redact }),
    ...(args["require-approval"] ? { require_approval: true } : args["no-approval"] ? { require_approval: false } : {}),
    ...(args["approval-timeout"] === undefined ? {} : { approval_timeout_seconds: args["approval-timeout"] }),
  };
}
type ProxiedMethods = NonNullable<ServiceView["methods"]>;
type Substitutions = ServiceView["substitutions"];

/** Credential keys the auth names that the vault does not hold yet: the proxy would answer 502. */
async function warnMissingKeys(client: ApiClient, vault: string, service: ServiceView, err: (line: string) => void): Promise<void> {
  if (service.credential_keys.length === 0) return;
  // Advice only: the change is made, so a failure to look (say, a role that cannot list) is no error.
  const keys = await client
    .call("get", "/v1/credentials", CredentialKeys, { query: { vault } })
    .then((answer) => answer.keys)
    .catch(() => undefined);
  if (keys === undefined) return;
  const missing = service.credential_keys.filter((key) => !keys.includes(key));
  if (missing.length > 0) {
    err(
      `Note: vault "${vault}" has no ${missing.join(", ")} yet; set ${missing.length === 1 ? "it" : "them"} with: edgevault vault credential set ${missing[0]} --vault ${vault}`,
    );
  }
}

export const serviceList = createCommand({
  path: ["vault", "service", "list"],
  summary: "List a vault's services in matching order: host, auth, upstream, enabled",
  description: `Lists the vault's services in the order the proxy considers them, with the host pattern each
answers for, how the credential is attached, and the credential keys it needs. Any role in the
vault can list.`,
  options: { vault: VAULT_OPTION, json: { type: "boolean", description: "Print a JSON array of services (the edge's fields)" } },
  examples: ["edgevault vault service list --vault payments", "edgevault vault service list --vault payments --json | jq -r '.[] | select(.enabled) | .host'"],
  async handler({ vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { services } = await client.call("get", "/v1/vaults/{vault}/services", ServiceList, { params: { vault } });
    if (json) {
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
        services.map((s) => [
          s.name,
          s.host,
          describeAuth(s.auth),
          s.upstream ?? "-",
          s.enabled ? "yes" : "no",
          s.description ? oneLine(s.description, 40) : "-",
        ]),
      ),
    );
  },
});

export const serviceAdd = createCommand({
  path: ["vault", "service", "add"],
  summary: "Add a service: a host pattern the proxy forwards, and how it attaches the credential",
  description: `Adds a service at the end of the vault's matching order. Requests an agent sends through the
proxy to a host the pattern matches get the credential attached as --auth says. Vault admins.

Host patterns (--host):
  api.example.com       that host, default port
  *.example.com         exactly one label under example.com
  api.example.com:8443  only that port
  slack.com/api/*       only paths under /api

${AUTH_HELP}

${RULES_HELP}`,
  positionals: [SERVICE],
  options: {
    host: {
      type: "string",
      placeholder: "pattern",
      schema: z.string("is required, e.g. --host api.stripe.com").pipe(HostPattern),
      description: "What the service answers for, as above",
    },
    auth: {
      type: "string",
      schema: z.string("is required, e.g. --auth bearer:STRIPE_KEY (or --auth passthrough)"),
      description: "How the credential is attached, as above",
    },
    header: HEADER_OPTION,
    ...OAUTH_OPTIONS,
    upstream: {
      type: "string",
      placeholder: "origin",
      schema: Upstream.optional(),
      description: "Forward to this origin instead of the requested host, e.g. https://eu.api.example.com",
    },
    description: {
      type: "string",
      placeholder: "text",
      schema: Description.optional(),
      description: `Shown to agents by /discover (up to ${MAX_SERVICE_DESCRIPTION_LENGTH} characters)`,
    },
    disabled: { type: "boolean", description: "Add it switched off (the proxy refuses its host until enabled)" },
    ...RULE_OPTIONS,
    vault: VAULT_OPTION,
    json: JSON_OPTION("the added service (the edge's fields)"),
  },
  examples: [
    "edgevault vault service add stripe --host api.stripe.com --auth bearer:STRIPE_KEY --vault payments",
    "edgevault vault service add twilio --host api.twilio.com --auth basic:TWILIO_SID:TWILIO_TOKEN --vault payments",
    "edgevault vault service add openai --host api.openai.com --auth 'api-key:OPENAI_KEY:Authorization:Bearer ' --vault payments",
    "edgevault vault service add acme --host api.acme.test --auth custom --header 'X-Acme-Key: {{ ACME_KEY }}' --header 'X-Acme-Org: {{ ACME_ORG }}' --vault payments",
    "edgevault vault service add deploy --host deploy.example.com/v1/deploy --auth bearer:DEPLOY_TOKEN --require-approval --approval-timeout 5m --vault prod",
    "edgevault vault service add twilio --host api.twilio.com --auth basic:TW_SID:TW_TOKEN --substitute TW_SID:__sid__:path --vault payments",
    "edgevault vault service add github --host api.github.com --auth bearer:GH_TOKEN --methods GET,HEAD --vault dev",
    "edgevault vault service add github --host api.github.com --auth oauth:GITHUB_CLIENT_SECRET:GITHUB_REFRESH_TOKEN --provider github --client-id Iv1.0123 --vault dev",
    "edgevault vault service add billing --host api.billing.example --auth oauth:BILLING_SECRET --client-id edge --token-endpoint https://auth.billing.example/oauth/token --oauth-scope invoices:read --vault ops",
  ],
  async handler(args, context) {
    const auth = parseAuthFlags(args.auth, args.header, args);
    const vault = await resolveVault(context, args.vault);
    const { client } = await requireSession(context);
    const { service } = await client.call("post", "/v1/vaults/{vault}/services", OneService, {
      params: { vault },
      body: {
        name: args.name,
        host: args.host,
        auth,
        enabled: !args.disabled,
        ...(args.upstream === undefined ? {} : { upstream: args.upstream }),
        ...(args.description === undefined ? {} : { description: args.description }),
        ...rulesOf(args),
      },
    });
    if (args.json) printJson(context, service);
    else context.out(`Added service "${service.name}" to vault "${vault}": ${summary(service)}.`);
    await warnMissingKeys(client, vault, service, context.err);
  },
});

export const serviceUpdate = createCommand({
  path: ["vault", "service", "update"],
  summary: "Change a service's host, auth, upstream, description, name or per-request rules (approval among them)",
  description: `Changes only what is given; the service keeps its place in the matching order. --auth replaces
the whole auth config (forms as for vault service add), and --substitute the whole list of
substitutions. Vault admins; the proxy uses the change from its next request.

${AUTH_HELP}

${RULES_HELP}`,
  positionals: [SERVICE],
  options: {
    host: { type: "string", placeholder: "pattern", schema: HostPattern.optional(), description: "A new host pattern" },
    auth: { type: "string", description: "A new auth config, as above" },
    header: HEADER_OPTION,
    ...OAUTH_OPTIONS,
    upstream: {
      type: "string",
      placeholder: "origin",
      schema: Upstream.optional(),
      description: "A new upstream origin; none forwards to the requested host again",
    },
    description: { type: "string", placeholder: "text", schema: Description.optional(), description: 'A new description; "" removes it' },
    rename: { type: "string", placeholder: "new-name", schema: ServiceName.optional(), description: "A new name for the service" },
    enabled: { type: "boolean", description: "Switch it on (also: vault service enable)" },
    disabled: { type: "boolean", description: "Switch it off (also: vault service disable)" },
    ...RULE_OPTIONS,
    vault: VAULT_OPTION,
    json: JSON_OPTION("the updated service (the edge's fields)"),
  },
  examples: [
    "edgevault vault service update stripe --auth bearer:STRIPE_RESTRICTED_KEY --vault payments",
    'edgevault vault service update stripe --upstream none --description "Stripe API" --vault payments',
    "edgevault vault service update deploy --require-approval --approval-timeout 10m --vault prod",
    "edgevault vault service update github --methods GET,HEAD --redact on --vault dev",
    "edgevault vault service update twilio --substitute none --vault payments",
  ],
  async handler(args, context) {
    if (args.enabled && args.disabled) throw new UsageError("--enabled and --disabled contradict each other; give one");
    const auth = parseAuthFlags(args.auth, args.header, args);
    const change = {
      ...(args.rename === undefined ? {} : { name: args.rename }),
      ...(args.host === undefined ? {} : { host: args.host }),
      ...(auth === undefined ? {} : { auth }),
      ...(args.upstream === undefined ? {} : { upstream: args.upstream }),
      ...(args.description === undefined ? {} : { description: args.description }),
      ...(args.enabled ? { enabled: true } : args.disabled ? { enabled: false } : {}),
      ...rulesOf(args),
    } satisfies EdgeBody<"/v1/vaults/{vault}/services/{name}", "patch">;
    if (Object.keys(change).length === 0)
      throw new UsageError(
        "Nothing to change: give --host, --auth, --upstream, --description, --rename, --enabled, --disabled, --methods, --substitute, --redact, --require-approval, --no-approval or --approval-timeout",
      );
    const vault = await resolveVault(context, args.vault);
    const { client } = await requireSession(context);
    const { service } = await client.call("patch", "/v1/vaults/{vault}/services/{name}", OneService, { params: { vault, name: args.name }, body: change });
    if (args.json) printJson(context, service);
    else context.out(`Updated service "${service.name}" in vault "${vault}": ${summary(service)}.`);
    if (auth !== undefined) await warnMissingKeys(client, vault, service, context.err);
  },
});

export const serviceShow = createCommand({
  path: ["vault", "service", "show"],
  summary: "Show one service: host, upstream, auth, credential keys and its per-request rules",
  description: `Shows the service as the edge holds it: where its requests go, how the credential is attached,
which credential keys it sends, and its rules in words (the methods it forwards, where its
substitutions put credentials, whether echoed credentials are redacted, whether a person
approves each call). Any role in the vault.`,
  positionals: [SERVICE],
  options: { vault: VAULT_OPTION, json: JSON_OPTION("the service (the edge's fields)") },
  examples: ["edgevault vault service show twilio --vault payments", "edgevault vault service show github --vault dev --json | jq .methods"],
  async handler({ name, vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { service } = await client.call("get", "/v1/vaults/{vault}/services/{name}", OneService, { params: { vault, name } });
    if (json) {
      printJson(context, service);
      return;
    }
    const field = (label: string, value: string) => context.out(`${`${label}:`.padEnd(13)}${value}`);
    field("Service", service.name);
    field("Vault", vault);
    field("Host", service.host);
    field("Sent to", service.upstream ?? "the host itself, over https");
    field("Auth", describeAuth(service.auth));
    field("Keys", service.credential_keys.join(", ") || "none");
    field("Methods", methodsInWords(service.methods));
    field("Enabled", service.enabled ? "yes" : "no");
    if (service.description) field("Description", oneLine(service.description, 200));
    context.out("Rules:");
    for (const rule of rulesInWords(service)) context.out(`  ${rule}`);
  },
});

function switchCommand(enabled: boolean): Command {
  const verb = enabled ? "enable" : "disable";
  return createCommand({
    path: ["vault", "service", verb],
    summary: enabled ? "Switch a disabled service back on" : "Switch a service off: the proxy refuses its host, the config is kept",
    description: `${
      enabled
        ? "Switches the service on again: the proxy forwards its host from the next request."
        : "Switches the service off: from the next request the proxy refuses its host with 403\nservice_disabled. Its config is kept, so vault service enable restores it as it was."
    } Vault admins.`,
    positionals: [SERVICE],
    options: { vault: VAULT_OPTION, json: JSON_OPTION("the service (the edge's fields)") },
    examples: [`edgevault vault service ${verb} stripe --vault payments`],
    async handler({ name, vault: flag, json }, context) {
      const vault = await resolveVault(context, flag);
      const { client } = await requireSession(context);
      const { service } = await client.call("patch", "/v1/vaults/{vault}/services/{name}", OneService, { params: { vault, name }, body: { enabled } });
      if (json) printJson(context, service);
      else context.out(`Service "${service.name}" in vault "${vault}" is ${service.enabled ? "enabled" : "disabled"}.`);
    },
  });
}

export const serviceEnable = switchCommand(true);
export const serviceDisable = switchCommand(false);

export const serviceRemove = createCommand({
  path: ["vault", "service", "remove"],
  summary: "Remove a service (its credentials stay in the vault)",
  description: `Removes the service: from the next request the proxy no longer forwards its host. The
credentials it used stay in the vault (vault credential delete removes them). Asks for
confirmation on a terminal; without a terminal (scripts, CI) --yes is required. Vault admins.`,
  positionals: [SERVICE],
  options: {
    vault: VAULT_OPTION,
    yes: { type: "boolean", short: "y", description: "Do not ask for confirmation" },
    json: JSON_OPTION("the edge's answer", "{deleted: <name>}"),
  },
  examples: ["edgevault vault service remove stripe --vault payments --yes"],
  async handler({ name, vault: flag, yes, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    await confirm(context, {
      yes,
      action: `remove service "${name}" from vault "${vault}"`,
      // Looked up first so a typo is a "not found" rather than a question about nothing.
      question: async () => {
        const { service } = await client.call("get", "/v1/vaults/{vault}/services/{name}", OneService, { params: { vault, name } });
        return `Remove service "${service.name}" (${service.host}, ${describeAuth(service.auth)}) from vault "${vault}"?`;
      },
    });
    const answer = await client.call("delete", "/v1/vaults/{vault}/services/{name}", ServiceDeleted, { params: { vault, name } });
    if (json) printJson(context, answer);
    else context.out(`Removed service "${answer.deleted}" from vault "${vault}".`);
  },
});
