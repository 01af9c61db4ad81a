/**
 * `login`, `logout` and `whoami`. A token is saved only after the edge has accepted it, so a
 * mistyped key never replaces a working login; it goes to the OS keychain when one is usable
 * (login-store.ts). A company API key is saved only on request (--save-api-key): it is an
 * owner's key, and anything running as this user, an agent too, could use a saved one.
 */
import { z } from "zod";
import { SignedIn, SignedOut, WhoAmI } from "../../workers/sign-in/sign-in.contract.ts";
import { MAX_EMAIL_LENGTH } from "../../workers/users/users.contract.ts";
import { DEFAULT_ADDR } from "../edge/addr.ts";
import { ApiClient, ApiError } from "../edge/api-client.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { type CommandContext, createCommand } from "../command/command.ts";
import { isCompanyKey } from "../edge/company-key.ts";
import { configPath, deleteConfig, loadConfig, type Config } from "../edge/config.ts";
import { credentialStoreSetting, describeStore, readLoginToken, removeKeychainItem, removeLogin, saveLogin } from "../edge/login-store.ts";
import { requireSession, resolveAddr } from "../edge/session.ts";
import { VaultName } from "../command/names.ts";
import { readSecret } from "../prompt.ts";
import { webLogin } from "./login-web.ts";
import { askEmail, askLoginWay, type LoginWay } from "./login-ways.ts";

/** What `GET /v1/whoami` says the token is. */
type Caller = z.output<typeof WhoAmI>;

/** `POST /v1/auth/sign-in` with mode=bearer, which always answers with a token. */
const SignedInWithToken = SignedIn.required({ token: true });

function describeCaller(me: Caller): string {
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

/** Refused without --save-api-key; says how to use the key instead, never what the key was. */
function companyKeyRefused(): UsageError {
  return new UsageError(
    "That is a company API key, and login saves one only with --save-api-key: anything running as you, an agent too, could use a saved owner key. Nothing was saved.\n" +
      "  Use it for one command or shell without saving it:  read -rs EDGEVAULT_API_KEY && export EDGEVAULT_API_KEY\n" +
      "  Or sign in as a person:                             edgevault login --email you@example.com",
  );
}

export const login = createCommand({
  path: ["login"],
  summary: "Save a login for this machine: e-mail and password, the browser (--web), or an API key; at a terminal it asks which",
  description: `Log in to an Edgevault edge and save the token: in the OS keychain when one is usable, else in
the config file (mode 0600); the output says which. At a terminal without flags, it asks which
way: e-mail and password, in the browser, or an API key (saved, since you chose it).

With --email, reads the password and signs in as that user. With --web (as gh auth login
--web): prints a one-time code and the console page /cli-login; a person signed in there checks
the code and confirms, and this command receives a login of that person (--company: only that
company's people may confirm it). With piped stdin and no flag, reads a token: a company API key
is refused unless --save-api-key is given (a saved owner key is usable by anything running as
you); pass one per command in EDGEVAULT_API_KEY instead. Secrets are read from stdin when it is
piped, otherwise from a hidden prompt; never from arguments. The token is checked with GET
/v1/whoami before anything is saved.

Environment:
  EDGEVAULT_CREDENTIAL_STORE=file   Save in the config file without trying the OS keychain`,
  options: {
    // Validated by resolveAddr, which names where a bad address came from (--addr or EDGEVAULT_ADDR).
    addr: { type: "string", placeholder: "url", description: `The edge (default: EDGEVAULT_ADDR, the saved address, or ${DEFAULT_ADDR})` },
    email: {
      type: "string",
      schema: z.email("must be an email address").max(MAX_EMAIL_LENGTH).optional(),
      description: "Sign in as this user instead of using an API key",
    },
    "save-api-key": { type: "boolean", description: "Save a company API key (owner rights) rather than refuse it" },
    web: { type: "boolean", description: "Log in in the browser: confirm a one-time code on the console's /cli-login page" },
    company: {
      type: "string",
      placeholder: "id",
      schema: VaultName.optional(),
      description: "With --web: only a person of this company may confirm the code",
    },
  },
  examples: [
    "edgevault login                                                 # at a terminal: asks which way",
    "edgevault login --web                                           # confirm a code in the browser",
    "edgevault login --email ada@example.com                         # password at the hidden prompt",
    "edgevault login --addr https://edgevault.example.com --email ada@example.com",
    "cat .edgevault-dev/owner-key | edgevault login --save-api-key",
  ],
  async handler(args, context) {
    if (args.email !== undefined && args["save-api-key"]) throw new UsageError("--save-api-key is for an API key; --email signs in as a user: use one of them");
    if (args.web && (args.email !== undefined || args["save-api-key"]))
      throw new UsageError("--web logs in in the browser: leave out --email and --save-api-key");
    if (args.company !== undefined && !args.web) throw new UsageError("--company goes with --web");
    credentialStoreSetting(context.env); // a wrong value is a usage error before any secret is read
    // A broken config file must not stop the user from logging in again; it is replaced below.
    const existing = await loadConfig(context.env).catch(() => undefined);
    const addr = resolveAddr(context, existing, args.addr);

    // At a terminal with nothing said, ask; piped input stays a token, as scripts send it.
    const way: LoginWay | "token" =
      args.email !== undefined ? "email" : args.web ? "web" : args["save-api-key"] || !context.stdin.isTTY ? "token" : await askLoginWay(context);
    // Choosing "an API key" at the prompt is asking to save one.
    const saveApiKey = args["save-api-key"] || way === "api-key";
    let token: string;
    if (way === "email") {
      token = await signIn(context, addr, args.email ?? (await askEmail(context)));
    } else if (way === "web") {
      token = await webLogin(context, { addr, ...(args.company ? { company: args.company } : {}) });
    } else {
      token = (await readSecret(context, "API key")).trim();
      // Refused before it is sent anywhere, as the edge would read it.
      if (isCompanyKey(token) && !saveApiKey) throw companyKeyRefused();
    }
    let me: Caller;
    try {
      me = await new ApiClient({ addr, token }).call("get", "/v1/whoami", WhoAmI);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw new CliError(`${addr} did not accept that token (${error.code}); nothing was saved`);
      throw error;
    }
    // The edge is the authority on what the token is, should its shapes ever change.
    if (me.kind === "company_key" && !saveApiKey) throw companyKeyRefused();
    const saved = await saveLogin(context.env, { addr, token, kind: me.kind }, existing);
    context.out(`Logged in to ${addr} as ${describeCaller(me)}.`);
    context.err(saved.kind === "keychain" ? "Token saved in the OS keychain." : `Token saved in file ${saved.path} (mode 0600): ${saved.reason}.`);
    if (saved.leftover)
      context.err(
        `warning: could not remove the previous login from the OS keychain (${saved.leftover}); if it is still there, delete the "edgevault" item for ${configPath(context.env)}`,
      );
    if (context.env.EDGEVAULT_API_KEY) context.err("Note: EDGEVAULT_API_KEY is set; it takes precedence over the saved token.");
  },
});

async function signIn(context: CommandContext, addr: string, email: string): Promise<string> {
  const password = await readSecret(context, "password");
  const client = new ApiClient({ addr });
  const session = await client.call("post", "/v1/auth/sign-in", SignedInWithToken, {
    body: { email, password, mode: "bearer" },
  });
  return session.token;
}

export const logout = createCommand({
  path: ["logout"],
  summary: "Forget the saved token (user sessions are also revoked on the edge)",
  description: `Removes the saved token, from the OS keychain or the config file; the address and the vault
chosen with vault use are kept for the next login. A user session (from login --email) is first
revoked with POST /v1/auth/sign-out. A company API key stays valid on the edge: revoke it there
if it should stop working.`,
  examples: ["edgevault logout"],
  async handler(_args, context) {
    let config: Config | undefined;
    try {
      config = await loadConfig(context.env);
    } catch {
      await deleteConfig(context.env);
      await removeKeychainItem(context.env);
      context.out(`Removed the unreadable config file ${configPath(context.env)}.`);
      return;
    }
    if (!config?.token && config?.token_store === undefined) {
      context.out("Not logged in; nothing to remove.");
      return;
    }

    let revokeFailure: string | undefined;
    if (config.kind === "user") {
      const saved = await readLoginToken(context.env, config).catch(() => undefined);
      try {
        if (!saved) throw new CliError("its token could not be read from the OS keychain; the session expires on its own");
        // The session belongs to the edge it was saved for, whatever EDGEVAULT_ADDR says now.
        await new ApiClient({ addr: config.addr ?? DEFAULT_ADDR, token: saved.token }).call("post", "/v1/auth/sign-out", SignedOut);
      } catch (error) {
        // 401: the session already expired or was revoked, which is what logging out wants.
        if (!(error instanceof ApiError && error.status === 401)) revokeFailure = error instanceof Error ? error.message : String(error);
      }
    }
    const leftover = await removeLogin(context.env, config);
    const problems = [
      ...(revokeFailure ? [`could not revoke the session on the edge: ${revokeFailure}`] : []),
      ...(leftover
        ? [`could not remove the token from the OS keychain (${leftover}); if it is still there, delete the "edgevault" item for ${configPath(context.env)}`]
        : []),
    ];
    if (problems.length > 0) throw new CliError(`Removed the saved login, but ${problems.join("; and ")}`);
    context.out(config.kind === "user" ? "Signed out: the session is revoked and the saved token removed." : "Logged out: the saved token is removed.");
    if (context.env.EDGEVAULT_API_KEY) context.err("Note: EDGEVAULT_API_KEY is still set in this shell.");
  },
});

export const whoami = createCommand({
  path: ["whoami"],
  summary: "Show who the current token belongs to",
  description: `Asks the edge (GET /v1/whoami) who the current token belongs to: EDGEVAULT_API_KEY when set,
otherwise the saved login, and says where that token came from: EDGEVAULT_API_KEY, the OS
keychain, or the config file.`,
  options: {
    json: {
      type: "boolean",
      description: 'Print the edge\'s answer as JSON, with the address and token_store ("EDGEVAULT_API_KEY", "keychain" or "file", with token_file) added',
    },
  },
  examples: ["edgevault whoami"],
  async handler(args, context) {
    const session = await requireSession(context);
    const me = await session.client.call("get", "/v1/whoami", WhoAmI);
    const source = session.tokenSource;
    if (args.json) {
      const where = source.kind === "file" ? { token_store: "file", token_file: source.path } : { token_store: source.kind };
      context.out(JSON.stringify({ addr: session.client.addr, ...me, ...where }, null, 2));
      return;
    }
    context.out(`Edge:     ${session.client.addr}`);
    context.out(`Caller:   ${describeCaller(me)}`);
    context.out(`Company:  ${me.company.id} (${me.company.name})`);
    context.out(`Token:    ${source.kind === "EDGEVAULT_API_KEY" ? "from EDGEVAULT_API_KEY" : `saved in ${describeStore(source)}`}`);
  },
});
