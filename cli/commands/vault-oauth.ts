/**
 * `vault oauth connect|providers`: connecting an oauth service's account (the refresh-token
 * grant) through its provider's consent in a browser. `connect` makes the connect
 * (POST /v1/vaults/{vault}/services/{name}/oauth/connections), prints the page to open — signed in
 * as an admin of the vault, where the scopes are shown before going — and waits, polling the
 * connect's status, until the callback stored the refresh token, the provider refused, or it
 * expired. A client secret the vault does not hold yet is read from stdin or a hidden prompt
 * (--client-secret), never from arguments. Vault admins.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ConnectionView } from "../../workers/oauth/oauth-connect.contract.ts";
import { PROVIDER_IDS, ProviderCatalogView } from "../../workers/oauth/provider-catalog.contract.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { oneOf, VaultName } from "../command/names.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { requireSession } from "../edge/session.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { readSecret } from "../prompt.ts";
import { oneLine } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

/** How often `connect` asks whether the person is done. */
export const CONNECT_POLL_MS = 2000;
const DONE = new Set(["connected", "failed", "expired"]);
/** A connect lasts 15 minutes: waiting longer by default would wait for nothing. */
const DEFAULT_WAIT_S = 15 * 60;

type Connection = z.output<typeof ConnectionView>;

const describe = (c: Connection) =>
  `${c.provider.name} for service ${c.service} in vault ${c.vault}: ${c.status}${c.error ? ` (${oneLine(c.error, 80)})` : ""}`;

export const vaultOauthConnect = createCommand({
  path: ["vault", "oauth", "connect"],
  summary: "Connect an oauth service's account: prints the page to open in a browser, and waits until the provider's consent is done",
  description: `For a service of auth type oauth with the refresh_token grant. The provider is the catalog's
template whose token endpoint the service names (\`edgevault vault oauth providers\`), or
--provider, or a custom one by --authorization-endpoint or --discovery-url (an OpenID provider's
issuer or its /.well-known/openid-configuration; its token endpoint must be the service's). Open
the printed page in a browser where you are signed in as an admin of the vault: it shows the
provider and the scopes before you go. The provider sends you back to the edge, which stores
the refresh token (and the client secret, with --client-secret) as the service's credentials;
nobody sees them. The command waits until then (at most --timeout, default 15m; --no-wait
prints the page and returns). The OAuth client must list the redirect URI printed here.`,
  positionals: [{ name: "service", schema: VaultName, description: "The oauth service whose account to connect" }],
  options: {
    vault: VAULT_OPTION,
    provider: {
      type: "string",
      placeholder: "id",
      schema: z.enum(PROVIDER_IDS, `must be ${oneOf(PROVIDER_IDS)}`).optional(),
      description: "A provider of the catalog",
    },
    "authorization-endpoint": {
      type: "string",
      placeholder: "url",
      schema: z.string().url().optional(),
      description: "A custom provider's authorization endpoint",
    },
    "discovery-url": {
      type: "string",
      placeholder: "url",
      schema: z.string().url().optional(),
      description: "A custom provider's OpenID Connect discovery URL (or issuer)",
    },
    scope: {
      type: "string",
      multiple: true,
      placeholder: "scope",
      schema: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/, "must be one scope token")),
      description: "A scope to ask for (repeatable; default: the service's, else the provider's)",
    },
    "client-secret": { type: "boolean", description: "Read the OAuth client's secret from stdin or a hidden prompt, and store it with the refresh token" },
    "no-wait": { type: "boolean", description: "Print the page to open and return" },
    timeout: { type: "string", placeholder: "duration", schema: Ttl(1, 24 * 3600).optional(), description: "How long to wait, such as 15m (the default)" },
    json: JSON_OPTION("the connect as it ended (or as made, with --no-wait)"),
  },
  examples: [
    "edgevault vault oauth connect github --vault dev",
    "edgevault vault oauth connect crm --discovery-url https://login.acme.example --scope openid --scope offline_access --vault sales",
    "op read op://dev/github-app/secret | edgevault vault oauth connect github --client-secret --vault dev",
  ],
  async handler(args, context) {
    const vault = await resolveVault(context, args.vault);
    const named = [args.provider, args["authorization-endpoint"], args["discovery-url"]].filter(Boolean);
    if (named.length > 1) throw new UsageError("Name one of --provider, --authorization-endpoint and --discovery-url");
    const { client } = await requireSession(context);
    const secret = args["client-secret"] ? await readSecret(context, "client secret") : undefined;
    let connection = await client.call("post", "/v1/vaults/{vault}/services/{name}/oauth/connections", ConnectionView, {
      params: { vault, name: args.service },
      body: {
        ...(args.provider ? { provider: args.provider } : {}),
        ...(args["authorization-endpoint"] ? { authorization_endpoint: args["authorization-endpoint"] } : {}),
        ...(args["discovery-url"] ? { discovery_url: args["discovery-url"] } : {}),
        ...(args.scope.length ? { scopes: args.scope } : {}),
        ...(secret === undefined ? {} : { client_secret: secret }),
      },
    });
    context.err(`Open this page in a browser signed in as an admin of vault "${vault}" (the scopes are shown before you go):`);
    context.out(connection.connect_url);
    context.err(
      `Scopes: ${connection.scopes.length ? connection.scopes.join(" ") : "the provider's defaults"}. The OAuth client must allow the redirect URI ${connection.redirect_uri}`,
    );
    if (!connection.client_secret_stored && !connection.stores_client_secret)
      context.err("The vault holds no client secret for this service yet: type it on the page, or run again with --client-secret.");
    if (args["no-wait"]) {
      if (args.json) printJson(context, connection);
      return;
    }
    const timeout = args.timeout ?? DEFAULT_WAIT_S;
    context.err(`Waiting for the connect (at most ${formatDuration(timeout)}; Ctrl+C stops waiting, the page still works until ${connection.expires_at})…`);
    const until = Date.now() + timeout * 1000;
    while (!DONE.has(connection.status) && Date.now() < until) {
      await sleep(CONNECT_POLL_MS);
      connection = await client.call("get", "/v1/vaults/{vault}/oauth/connections/{id}", ConnectionView, { params: { vault, id: connection.id } });
    }
    if (args.json) printJson(context, connection);
    else context.err(describe(connection));
    if (connection.status !== "connected") {
      throw new CliError(
        DONE.has(connection.status)
          ? `Not connected: ${describe(connection)}`
          : `Still ${connection.status} after ${formatDuration(timeout)}: the page works until it expires`,
      );
    }
  },
});

export const vaultOauthProviders = createCommand({
  path: ["vault", "oauth", "providers"],
  summary: "List the OAuth providers an account can be connected through without typing endpoints",
  description: `The catalog of provider templates: their authorization and token endpoints, the scopes asked for
when a service names none, and the API host their tokens are for. A service whose token_endpoint
is a template's connects through it by itself; any other provider connects by its endpoints or
its discovery URL (vault oauth connect --authorization-endpoint / --discovery-url).`,
  options: { json: JSON_OPTION("{providers: [...]}") },
  examples: ["edgevault vault oauth providers"],
  async handler({ json }, context) {
    const { client } = await requireSession(context);
    const catalog = await client.call("get", "/v1/oauth/providers", ProviderCatalogView);
    if (json) return printJson(context, catalog);
    context.out(
      table(
        ["ID", "PROVIDER", "TOKEN ENDPOINT", "DEFAULT SCOPES"],
        catalog.providers.map((p) => [p.id, p.name, p.token_endpoint, p.default_scopes.join(" ")]),
      ),
    );
  },
});
