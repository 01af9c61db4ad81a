/**
 * `company sso set|show|remove`: the company's single sign-on provider (OpenID Connect), as its
 * owners set it (/v1/company/sso). The client secret is read from stdin or a hidden prompt, never
 * from arguments, and never printed; `set` replaces the whole setting. Company owners (and API
 * keys) only.
 */
import { z } from "zod";
import { COMPANY_ROLES } from "../../workers/companies/companies.contract.ts";
import { MAX_EXTRA_SCOPES, MAX_SSO_DOMAINS, SsoDomain, SsoRemoved, SsoSettings, TOKEN_AUTH_METHODS } from "../../workers/sso/sso.contract.ts";
import { UsageError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { oneOf } from "../command/names.ts";
import { confirm } from "../confirm.ts";
import { requireSession } from "../edge/session.ts";
import { JSON_OPTION, printJson } from "../format.ts";
import { readSecret } from "../prompt.ts";
import { oneLine } from "../terminal-text.ts";

type Settings = z.output<typeof SsoSettings>;

const Domains = z.array(SsoDomain).max(MAX_SSO_DOMAINS, `at most ${MAX_SSO_DOMAINS} domains`);
const Scopes = z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, "must be one scope token")).max(MAX_EXTRA_SCOPES);
/** `group=role`, repeatable, as a record. */
const GroupRoles = z.array(z.string()).transform((pairs, ctx) => {
  const roles: Record<string, (typeof COMPANY_ROLES)[number]> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf("=");
    const role = pair.slice(at + 1).trim();
    if (at < 1 || !(COMPANY_ROLES as readonly string[]).includes(role)) {
      ctx.addIssue({ code: "custom", message: `must be group=role, the role ${oneOf(COMPANY_ROLES)} (got "${oneLine(pair, 60)}")` });
      return z.NEVER;
    }
    roles[pair.slice(0, at).trim()] = role as (typeof COMPANY_ROLES)[number];
  }
  return roles;
});
const OnOff = z.enum(["on", "off"], "must be on or off");

/** The provider as `show` and `set` print it: one line each, never the secret. */
function describe(settings: Settings): string {
  const lines = [`Redirect URI to register at the provider: ${settings.redirect_uri}`];
  const sso = settings.sso;
  if (!sso) return [...lines, "No single sign-on is set: people sign in with a password."].join("\n");
  const roles = Object.entries(sso.group_roles).map(([group, role]) => `${group}=${role}`);
  return [
    `Issuer:           ${sso.issuer}`,
    `Client:           ${sso.client_id} (secret stored, never shown; ${sso.token_auth})`,
    `Domains:          ${sso.domains.length ? sso.domains.join(", ") : "none (the sign-in link or the company's host)"}`,
    `Extra scopes:     ${sso.scopes.length ? sso.scopes.join(" ") : "none"}`,
    `Group roles:      ${roles.length ? `${roles.join(", ")} (claim "${sso.groups_claim}")` : "none: everyone starts as a member"}`,
    `Password sign-in: ${sso.password_sign_in ? "on" : "off (an API key is the owners' way back)"}`,
    `Sign-in link:     ${settings.sign_in_url}`,
    ...lines,
  ]
    .map((line) => oneLine(line, 300))
    .join("\n");
}

export const companySsoSet = createCommand({
  path: ["company", "sso", "set"],
  summary: "Set the company's single sign-on provider (OpenID Connect); the client secret is read from stdin or a hidden prompt",
  description: `Sets the company's identity provider: its issuer (the edge reads its discovery document first,
and takes https only), the client you registered there with the redirect URI \`company sso show\`
prints, and its secret, read from stdin or a hidden prompt (--keep-secret keeps the stored one
while the issuer and client stay the same). Replaces the whole setting: say every domain, scope
and group role you want. People of the --domain domains are sent to the provider when they sign
in; the provider signs in addresses of those domains only. --group-role maps a group (from the
--groups-claim claim) to the role a person gets on their first sign-in; everyone else starts as
a member. --password-sign-in off makes the provider the only way in for people: it needs an API
key in the company, the owners' way back when the provider is down. Company owners only.`,
  options: {
    issuer: {
      type: "string",
      placeholder: "url",
      schema: z.string().url("must be a URL such as https://login.acme.example").optional(),
      description: "The provider's issuer",
    },
    "client-id": { type: "string", placeholder: "id", schema: z.string().min(1).max(500).optional(), description: "The client's id at the provider" },
    "keep-secret": { type: "boolean", description: "Keep the stored client secret (same issuer and client only)" },
    domain: {
      type: "string",
      multiple: true,
      placeholder: "domain",
      schema: Domains,
      description: "An e-mail domain whose sign-ins go to this provider (repeatable)",
    },
    scope: {
      type: "string",
      multiple: true,
      placeholder: "scope",
      schema: Scopes,
      description: "A scope to ask for besides openid email profile (repeatable)",
    },
    "group-role": {
      type: "string",
      multiple: true,
      placeholder: "group=role",
      schema: GroupRoles,
      description: "The company role for people of a group on their first sign-in (repeatable)",
    },
    "groups-claim": {
      type: "string",
      placeholder: "claim",
      schema: z.string().min(1).max(100),
      default: "groups",
      description: "The claim listing a person's groups",
    },
    "password-sign-in": {
      type: "string",
      placeholder: "on|off",
      schema: OnOff,
      default: "on",
      description: "Whether people may still sign in with a password",
    },
    "token-auth": {
      type: "string",
      placeholder: "method",
      schema: z.enum(TOKEN_AUTH_METHODS, `must be ${oneOf(TOKEN_AUTH_METHODS)}`),
      default: "client_secret_basic",
      description: `How the client authenticates at the token endpoint: ${oneOf(TOKEN_AUTH_METHODS)}`,
    },
    json: JSON_OPTION("the edge's answer (never the secret)"),
  },
  examples: [
    "edgevault company sso set --issuer https://login.acme.example --client-id edgevault --domain acme.example  # the secret at the prompt",
    "op read op://it/edgevault-sso/secret | edgevault company sso set --issuer https://login.acme.example --client-id edgevault --group-role edgevault-owners=owner",
    "edgevault company sso set --issuer https://login.acme.example --client-id edgevault --keep-secret --domain acme.example --password-sign-in off",
  ],
  async handler(args, context) {
    if (!args.issuer || !args["client-id"]) throw new UsageError("Name the provider: --issuer <url> --client-id <id>");
    const { client } = await requireSession(context);
    const secret = args["keep-secret"] ? undefined : await readSecret(context, "client secret");
    const settings = await client.call("put", "/v1/company/sso", SsoSettings, {
      body: {
        issuer: args.issuer,
        client_id: args["client-id"],
        ...(secret === undefined ? {} : { client_secret: secret }),
        token_auth: args["token-auth"],
        scopes: args.scope,
        domains: args.domain,
        password_sign_in: args["password-sign-in"] === "on",
        groups_claim: args["groups-claim"],
        group_roles: args["group-role"],
      },
    });
    if (args.json) printJson(context, settings);
    else context.out(describe(settings));
  },
});

export const companySsoShow = createCommand({
  path: ["company", "sso", "show"],
  summary: "Show the company's single sign-on provider (never its secret) and the redirect URI to register",
  description: `Prints the company's identity provider as set (never the client secret), the link that starts a
sign-in through it, and the redirect URI to register with the provider's client (printed before
anything is set, too). Company owners only.`,
  options: { json: JSON_OPTION("{sso, redirect_uri, sign_in_url} (sso is null when none is set)") },
  examples: ["edgevault company sso show", "edgevault company sso show --json"],
  async handler({ json }, context) {
    const { client } = await requireSession(context);
    const settings = await client.call("get", "/v1/company/sso", SsoSettings);
    if (json) printJson(context, settings);
    else context.out(describe(settings));
  },
});

export const companySsoRemove = createCommand({
  path: ["company", "sso", "remove"],
  summary: "Remove the company's single sign-on provider: everyone signs in with a password again",
  description: `Removes the company's identity provider and its domains. Password sign-in is everyone's way in
again; people the provider created have no password until an owner gives them one (user invite
after user remove, or an owner's API key in the meantime). Asks for confirmation on a terminal;
without a terminal --yes is required. Company owners only.`,
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation" }, json: JSON_OPTION("the edge's answer", "{removed: true}") },
  examples: ["edgevault company sso remove", "edgevault company sso remove --yes"],
  async handler({ yes, json }, context) {
    const { client } = await requireSession(context);
    await confirm(context, {
      yes,
      action: "remove the company's single sign-on",
      question: "Remove the company's single sign-on? People sign in with a password again.",
    });
    const removed = await client.call("delete", "/v1/company/sso", SsoRemoved);
    if (json) printJson(context, removed);
    else context.out("Single sign-on removed: people sign in with a password again.");
  },
});
