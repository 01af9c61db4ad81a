/**
 * `login`, `logout` and `whoami`. A token is saved only after the edge has accepted it, so a
 * mistyped key never replaces a working login.
 */
import { z } from "zod";
import { noMoreArgs, parseCommandLine } from "../args.ts";
import { ApiClient, ApiError } from "../api-client.ts";
import { CliError } from "../cli-error.ts";
import type { Command, CommandContext } from "../command.ts";
import { configPath, deleteConfig, loadConfig, saveConfig, TokenKind, type Config } from "../config.ts";
import { requireSession, resolveAddr } from "../session.ts";
import { readSecret } from "../prompt.ts";

/** `GET /v1/whoami` (workers/routes/auth.routes.ts). */
const WhoAmI = z.object({
  kind: TokenKind,
  id: z.string(),
  company: z.object({ id: z.string(), name: z.string() }),
  company_role: z.enum(["owner", "member"]),
  email: z.string().optional(),
  name: z.string().optional(),
  vault: z.string().optional(),
});
type WhoAmI = z.infer<typeof WhoAmI>;

/** `POST /v1/auth/sign-in` with mode=bearer. */
const SignedIn = z.object({ token: z.string().min(1), expires_at: z.string() });

const SignedOut = z.object({ signed_out: z.literal(true) });

function describeCaller(me: WhoAmI): string {
  switch (me.kind) {
    case "company_key":
      return `company API key ${me.id} (owner of company "${me.company.id}")`;
    case "user":
      return `${me.email ?? me.id} (${me.company_role} of company "${me.company.id}")`;
    case "agent":
      return `agent ${me.name ?? me.id} (company "${me.company.id}")`;
    case "vault_session":
      return `a session for vault "${me.vault ?? "?"}" (company "${me.company.id}")`;
  }
}

const LOGIN_USAGE = "edgevault login [--addr <url>] [--email <email>]";

export const login: Command = {
  path: ["login"],
  summary: "Save a token for this machine: a company API key, or a user session from email + password",
  help: `Usage: ${LOGIN_USAGE}

Log in to an Edgevault edge and save the token in the config file (mode 0600).
Without --email, reads a company API key; with --email, reads the password and signs in.
The secret is read from stdin when it is piped, otherwise from a hidden prompt; never from
arguments. The token is checked with GET /v1/whoami before anything is saved.

Options:
  --addr <url>      The edge (default: EDGEVAULT_ADDR, the saved address, or http://127.0.0.1:14321)
  --email <email>   Sign in as this user instead of using an API key

Examples:
  edgevault login --addr https://edgevault.example.com            # paste the key at the prompt
  cat .edgevault-dev/owner-key | edgevault login
  edgevault login --email ada@example.com`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(
      argv,
      { addr: { type: "string" }, email: { type: "string" } },
      z.object({ addr: z.string().optional(), email: z.email("must be an email address").max(254).optional() }).strict(),
    );
    noMoreArgs(args, 0, LOGIN_USAGE);
    // A broken config file must not stop the user from logging in again; it is replaced below.
    const existing = await loadConfig(context.env).catch(() => undefined);
    const addr = resolveAddr(context, existing, flags.addr);

    const token = flags.email === undefined ? (await readSecret(context, "API key")).trim() : await signIn(context, addr, flags.email);
    let me: WhoAmI;
    try {
      me = await new ApiClient({ addr, token }).request("GET", "/v1/whoami", WhoAmI);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw new CliError(`${addr} did not accept that token (${error.code}); nothing was saved`);
      throw error;
    }
    const file = await saveConfig(context.env, { addr, token, kind: me.kind });
    context.out(`Logged in to ${addr} as ${describeCaller(me)}.`);
    context.err(`Token saved in ${file}`);
    if (context.env.EDGEVAULT_API_KEY) context.err("Note: EDGEVAULT_API_KEY is set; it takes precedence over the saved token.");
  },
};

async function signIn(context: CommandContext, addr: string, email: string): Promise<string> {
  const password = await readSecret(context, "password");
  const client = new ApiClient({ addr });
  const session = await client.request("POST", "/v1/auth/sign-in", SignedIn, { body: { email, password, mode: "bearer" } });
  return session.token;
}

export const logout: Command = {
  path: ["logout"],
  summary: "Forget the saved token (user sessions are also revoked on the edge)",
  help: `Usage: edgevault logout

Removes the saved token from the config file; the address is kept for the next login.
A user session (from login --email) is first revoked with POST /v1/auth/sign-out.
A company API key stays valid on the edge: revoke it there if it should stop working.

Example:
  edgevault logout`,
  async run(argv, context) {
    const { args } = parseCommandLine(argv, {}, z.object({}).strict());
    noMoreArgs(args, 0, "edgevault logout");
    let config: Config | undefined;
    try {
      config = await loadConfig(context.env);
    } catch {
      await deleteConfig(context.env);
      context.out(`Removed the unreadable config file ${configPath(context.env)}.`);
      return;
    }
    if (!config?.token) {
      context.out("Not logged in; nothing to remove.");
      return;
    }

    let revokeFailure: CliError | undefined;
    if (config.kind === "user") {
      try {
        await new ApiClient({ addr: config.addr, token: config.token }).request("POST", "/v1/auth/sign-out", SignedOut);
      } catch (error) {
        // 401: the session already expired or was revoked, which is what logging out wants.
        if (!(error instanceof ApiError && error.status === 401)) revokeFailure = error instanceof CliError ? error : new CliError(String(error));
      }
    }
    await saveConfig(context.env, { addr: config.addr });
    if (revokeFailure) throw new CliError(`Removed the saved token, but could not revoke the session on the edge: ${revokeFailure.message}`);
    context.out(config.kind === "user" ? "Signed out: the session is revoked and the saved token removed." : "Logged out: the saved token is removed.");
    if (context.env.EDGEVAULT_API_KEY) context.err("Note: EDGEVAULT_API_KEY is still set in this shell.");
  },
};

export const whoami: Command = {
  path: ["whoami"],
  summary: "Show who the current token belongs to",
  help: `Usage: edgevault whoami [--json]

Asks the edge (GET /v1/whoami) who the current token belongs to: EDGEVAULT_API_KEY when set,
otherwise the saved login.

Options:
  --json   Print the edge's answer as JSON, with the address added

Example:
  edgevault whoami`,
  async run(argv, context) {
    const { flags, args } = parseCommandLine(argv, { json: { type: "boolean" } }, z.object({ json: z.boolean().default(false) }).strict());
    noMoreArgs(args, 0, "edgevault whoami [--json]");
    const session = await requireSession(context);
    const me = await session.client.request("GET", "/v1/whoami", WhoAmI);
    if (flags.json) {
      context.out(JSON.stringify({ addr: session.client.addr, ...me }, null, 2));
      return;
    }
    context.out(`Edge:     ${session.client.addr}`);
    context.out(`Caller:   ${describeCaller(me)}`);
    context.out(`Company:  ${me.company.id} (${me.company.name})`);
    context.out(`Token:    ${session.tokenSource === "EDGEVAULT_API_KEY" ? "from EDGEVAULT_API_KEY" : `saved in ${configPath(context.env)}`}`);
  },
};
