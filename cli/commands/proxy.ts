/**
 * `edgevault proxy`: the MITM listener on its own, for agents started elsewhere. It needs no
 * login: every client presents its own token (a vault session or an agent token), and the edge
 * decides what that token may do.
 */
import { once } from "node:events";
import { z } from "zod";
import { CliError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { loadConfig } from "../edge/config.ts";
import { caDir, LeafCertificates, loadOrCreateCa } from "../mitm/certificates.ts";
import { DEFAULT_PROXY_PORT, startListener, type MitmListener } from "../mitm/listener.ts";
import { EdgeSessions } from "../mitm/proxy-auth.ts";
import { resolveAddr } from "../edge/session.ts";
import { PortNumber } from "../command/names.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export const proxy = createCommand({
  path: ["proxy"],
  summary: "Run the local MITM proxy on its own (default 127.0.0.1:14322) for agents started elsewhere",
  description: `Runs the listener that \`vault run\` starts for its child, on its own, until Ctrl+C. Agents
point HTTPS_PROXY and HTTP_PROXY at it with their token as the proxy credentials:

  HTTPS_PROXY=http://<token>:<vault>@127.0.0.1:14322   (Basic token:vault; or Bearer <token>)

and trust the local CA (\`edgevault ca path\`). A CONNECT to a host one of the vault's services
answers is intercepted: TLS is terminated with a certificate for that host and every request
goes to the edge's /proxy, which injects the credential. Other hosts are tunnelled untouched
(the client sees the real certificate), or refused by the edge with 403 and a proposal_hint
when the vault's unmatched-host policy is deny. Any token the edge accepts is accepted: a
vault session token (its vault is built in) or an agent token naming its vault.

Prints the listener's URL (without credentials) on stdout once it is ready.

Environment:
  EDGEVAULT_ADDR     The edge the proxy forwards to (default: the saved address)`,
  options: {
    port: {
      type: "string",
      schema: PortNumber,
      default: String(DEFAULT_PROXY_PORT),
      description: "Port to listen on; 0 picks a free one",
    },
    host: {
      type: "string",
      placeholder: "address",
      schema: z.string().min(1, "must not be empty"),
      default: "127.0.0.1",
      description: "Address to listen on. Anything but loopback exposes the proxy to the network",
    },
  },
  examples: ["edgevault proxy --port 14322"],
  async handler({ port, host }, context) {
    const addr = resolveAddr(context, await loadConfig(context.env));
    const ca = await loadOrCreateCa(caDir(context.env));
    const sessions = new EdgeSessions(addr);
    let listener: MitmListener;
    try {
      listener = await startListener({ edgeAddr: addr, sessions, leaves: new LeafCertificates(ca), host, port });
    } catch (error) {
      sessions.close();
      const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
      const hint = code === "EADDRINUSE" ? "; is another proxy running? Pick one with --port" : "";
      throw new CliError(`Cannot listen on ${host}:${port} (${code})${hint}`);
    }
    const url = `http://${listener.host.includes(":") ? `[${listener.host}]` : listener.host}:${listener.port}`;
    if (!LOOPBACK.has(host)) context.err(`warning: listening on ${host}: anyone who can reach it and holds a token can use this proxy`);
    context.err(`Edgevault proxy on ${url}, forwarding to ${addr}; CA ${ca.certPath}. Ctrl+C to stop.`);
    context.out(url);

    await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
    sessions.close();
    await listener.close();
    context.err("Proxy stopped.");
  },
});
