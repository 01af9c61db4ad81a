/**
 * `vault run -- <cmd>`: mints a vault-scoped session, starts the MITM listener for it on
 * 127.0.0.1:14322 as seed 000 says (another free port when that one is taken), and runs the
 * command with the environment seed 000 promises, so every standard HTTP client in it reaches
 * the vault's services through the edge without ever holding a credential; Node's own fetch and
 * https too, on every Node version (node-proxy/). The session is revoked when the command exits,
 * whatever the outcome.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import path from "node:path";
import { z } from "zod";
import {
  MAX_SESSION_LABEL_LENGTH,
  MintedSession,
  SESSION_DEFAULT_TTL_SECONDS,
  SESSION_MAX_TTL_SECONDS,
  SESSION_MIN_TTL_SECONDS,
  SessionRevoked,
} from "../../workers/sessions/sessions.contract.ts";
import { ApiClient, ApiError } from "../edge/api-client.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { type CommandContext, createCommand } from "../command/command.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { caDir, LeafCertificates, loadOrCreateCa } from "../mitm/certificates.ts";
import { DEFAULT_PROXY_PORT, startListener, type ListenerOptions, type MitmListener } from "../mitm/listener.ts";
import { SingleSession } from "../mitm/proxy-auth.ts";
import { edgeSnapshotLoader, ServiceHosts } from "../mitm/service-hosts.ts";
import { writeTrustBundle } from "../mitm/trust-bundle.ts";
import { requireSession } from "../edge/session.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";
import { nodeOptionsWithPreload } from "../node-proxy/node-options.ts";
import { PortNumber } from "../command/names.ts";

/** Shells' convention for "could not run it": 127 not found, 126 found but not executable. */
const EXIT_NOT_FOUND = 127;
const EXIT_NOT_EXECUTABLE = 126;
const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The variables `vault run` sets on its child (seed 000's table, plus the session itself). */
export const CA_VARIABLES = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "DENO_CERT"] as const;

export type ChildEnvOptions = { edgeAddr: string; token: string; vault: string; port: number; caPath: string; bundlePath: string };

/**
 * Whether a parent variable stays out of the child: every EDGEVAULT_* one (any case, as Windows
 * compares names), because they are the operator's: EDGEVAULT_API_KEY is their key, and others
 * may be (EDGEVAULT_DEV_OWNER_KEY is an owner key) or will be. The child's own edge, vault and
 * token come as AGENT_VAULT_*.
 */
function isOperatorVariable(name: string): boolean {
  return name.toUpperCase().startsWith("EDGEVAULT_");
}

/**
 * The child's environment: the parent's, minus the operator's EDGEVAULT_* variables (their own
 * key must not reach the agent), plus the proxy, CA and session variables. The lower-case proxy
 * variables are set too: curl reads only `http_proxy` for http://, and most tools prefer the
 * lower-case one when both exist, so a stale one inherited from the shell would otherwise win.
 * NODE_OPTIONS keeps what the parent had and gains the preload that makes Node's fetch and https
 * honour the proxy where NODE_USE_ENV_PROXY is not (Node 20).
 */
export function childEnv(parent: Readonly<Record<string, string | undefined>>, options: ChildEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) if (value !== undefined && !isOperatorVariable(name)) env[name] = value;
  const proxyUrl = `http://${options.token}:${options.vault}@127.0.0.1:${options.port}`;
  Object.assign(env, {
    HTTPS_PROXY: proxyUrl,
    HTTP_PROXY: proxyUrl,
    https_proxy: proxyUrl,
    http_proxy: proxyUrl,
    NO_PROXY: "localhost,127.0.0.1",
    no_proxy: "localhost,127.0.0.1",
    NODE_USE_ENV_PROXY: "1",
    AGENT_VAULT_ADDR: options.edgeAddr,
    AGENT_VAULT_SESSION_TOKEN: options.token,
    AGENT_VAULT_VAULT: options.vault,
  });
  const nodeOptions = nodeOptionsWithPreload(parent.NODE_OPTIONS);
  if (nodeOptions !== "") env.NODE_OPTIONS = nodeOptions;
  // NODE_EXTRA_CA_CERTS adds to Node's roots; the others replace a tool's roots, so they get
  // the bundle (local CA first, then the system roots) and tunnelled hosts still verify.
  for (const name of CA_VARIABLES) env[name] = name === "NODE_EXTRA_CA_CERTS" ? options.caPath : options.bundlePath;
  return env;
}

export const vaultRun = createCommand({
  path: ["vault", "run"],
  summary: "Run a command with a vault session: its HTTP clients reach the vault's services through the local proxy",
  description: `Mints a vault-scoped session (POST /v1/sessions; you need the member role or higher in the
vault), starts the local MITM proxy for it on 127.0.0.1:14322 (seed 000's port; when it is taken,
a free port, and the progress line says which), and runs the command with:

  HTTPS_PROXY, HTTP_PROXY   http://<session token>:<vault>@127.0.0.1:<port> (and https_proxy,
                            http_proxy, which curl and others read first)
  NO_PROXY                  localhost,127.0.0.1 (also no_proxy)
  NODE_USE_ENV_PROXY        1 (Node.js 22.21+ fetch and https honour the proxy variables)
  NODE_OPTIONS              yours, plus --import of a preload that makes fetch and https honour
                            them on older Node.js (20 and up)
  SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO, DENO_CERT
                            a bundle holding the local root CA and the system roots
  NODE_EXTRA_CA_CERTS       the local root CA (\`edgevault ca path\`)
  AGENT_VAULT_ADDR, AGENT_VAULT_SESSION_TOKEN, AGENT_VAULT_VAULT
                            the edge, the session token and the vault, for agents that call
                            the edge's API (/discover, /v1/proposals) themselves

Requests to hosts the vault's services answer get their credential at the edge; the command
never sees it. Other hosts are reached directly (the real certificate), or refused with 403
and a proposal_hint when the vault's unmatched-host policy is deny. No EDGEVAULT_* variable
(EDGEVAULT_API_KEY included) is passed on, and neither is your token: the command gets only its
session. Signals (SIGINT, SIGTERM, SIGHUP) go to the command; its exit code becomes this
one's (128+n if signal n killed it; 127 if it could not be found, 126 if not executable). The
session is revoked when the command exits.`,
  positionals: [
    { name: "command", schema: z.string(), afterSeparator: true, description: "The program to run and its arguments, after --, taken as they are" },
  ],
  options: {
    vault: VAULT_OPTION,
    port: {
      type: "string",
      schema: PortNumber,
      default: String(DEFAULT_PROXY_PORT),
      description: "The port the local proxy listens on; when it is taken, a free one (the progress line says which). 0: any free port",
    },
    ttl: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(SESSION_MIN_TTL_SECONDS, SESSION_MAX_TTL_SECONDS),
      default: formatDuration(SESSION_DEFAULT_TTL_SECONDS),
      description: `The session's lifetime, ${formatDuration(SESSION_MIN_TTL_SECONDS)} to ${formatDuration(SESSION_MAX_TTL_SECONDS)}; the command keeps running after it, but the edge refuses the expired token`,
    },
  },
  examples: ["edgevault vault run -- curl https://api.stripe.com/v1/balance", "edgevault vault run --vault payments --ttl 2h -- claude"],
  async handler({ command, vault: flag, port, ttl }, context) {
    const [program, ...programArgs] = command;
    if (program === undefined || program === "") throw new UsageError("No command after --: the program's name is empty");
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const ca = await loadOrCreateCa(caDir(context.env));
    const bundlePath = await writeTrustBundle(ca, context.env);

    const session = await client.call("post", "/v1/sessions", MintedSession, {
      body: { vault, ttl_seconds: ttl, label: `vault run ${path.basename(program)}`.slice(0, MAX_SESSION_LABEL_LENGTH) },
    });

    let listener: MitmListener | undefined;
    let sessions: SingleSession | undefined;
    try {
      const hosts = new ServiceHosts({ load: edgeSnapshotLoader(new ApiClient({ addr: client.addr, token: session.token })) });
      sessions = new SingleSession(session.token, session.vault, hosts);
      await hosts.ready();
      const started = await listenPreferring(port, { edgeAddr: client.addr, sessions, leaves: new LeafCertificates(ca) });
      listener = started.listener;
      const where = `127.0.0.1:${listener.port}${started.taken ? ` (${port} is taken)` : ""}`;
      context.err(
        `edgevault: running ${path.basename(program)} with a ${formatDuration(ttl)} session for vault "${vault}", through the local proxy on ${where}…`,
      );
      const env = childEnv(context.env, {
        edgeAddr: client.addr,
        token: session.token,
        vault: session.vault,
        port: listener.port,
        caPath: ca.certPath,
        bundlePath,
      });
      return await runChild(program, programArgs, env, context);
    } finally {
      await listener?.close();
      sessions?.close();
      await revoke(client, session.id, context);
    }
  },
});

/**
 * The listener on `port` (seed 000 names 14322, so a habit or script that expects it keeps
 * working), or on any free port when another process holds that one: a second `vault run`, an
 * `edgevault proxy`. Only a taken port falls back; any other failure is reported.
 */
async function listenPreferring(port: number, options: Omit<ListenerOptions, "port">): Promise<{ listener: MitmListener; taken: boolean }> {
  try {
    return { listener: await startListener({ ...options, port }), taken: false };
  } catch (error) {
    if (port === 0 || !(error instanceof Error && "code" in error && error.code === "EADDRINUSE")) throw error;
    return { listener: await startListener({ ...options, port: 0 }), taken: true };
  }
}

/** Runs the command with stdio inherited; resolves with the exit code this process should use. */
function runChild(program: string, args: readonly string[], env: Record<string, string>, context: CommandContext): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: "inherit", env });
    // A terminal's Ctrl+C already reached the child (same process group): sending it again
    // would count as a second Ctrl+C, which many agents treat as "quit now".
    const forward = (signal: NodeJS.Signals) => {
      if (signal === "SIGINT" && process.stdin.isTTY) return;
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = (code: number) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(code);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      const notFound = error.code === "ENOENT";
      context.err(`error: cannot run "${program}": ${notFound ? "command not found" : error.message}`);
      done(notFound ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
    });
    child.once("exit", (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}

async function revoke(client: ApiClient, id: string, context: CommandContext): Promise<void> {
  try {
    await client.call("delete", "/v1/sessions/{id}", SessionRevoked, { params: { id } });
  } catch (error) {
    // Expired or already revoked is what we wanted; anything else leaves a live token behind.
    if (error instanceof ApiError && error.status === 404) return;
    const reason = error instanceof CliError ? error.message : String(error);
    context.err(`warning: could not revoke session ${id} (${reason}); it expires on its own, or revoke it with DELETE /v1/sessions/${id}`);
  }
}
