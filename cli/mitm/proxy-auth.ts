/**
 * Who may use the listener. Clients authenticate with `Proxy-Authorization`: Basic
 * `token:vault` (what `HTTPS_PROXY=http://{token}:{vault}@host:port` makes every client send)
 * or Bearer `token` (a vault-scoped session carries its vault). Anything else gets 407.
 *
 * `vault run` accepts exactly the session it minted. `edgevault proxy` accepts any token the
 * edge accepts: the edge is the authority, asked once per token (its `/discover` answer is
 * cached per token and vault, and doubles as the list of hosts to intercept).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ApiClient, ApiError } from "../edge/api-client.ts";
import { VaultName } from "../command/names.ts";
import { edgeUnreachable, proxyAuthRequired, ProxyError } from "./proxy-errors.ts";
import { edgeSnapshotLoader, ServiceHosts } from "./service-hosts.ts";

export type ProxyCredentials = { token: string; vault: string | undefined };

/** A client the listener accepted: the token to forward, the vault to name, the hosts to intercept. */
export type ProxySession = { token: string; vaultHeader: string | undefined; hosts: ServiceHosts };

export interface ProxySessions {
  /** The session for a `Proxy-Authorization` header; throws a ProxyError (407, or 502 when the edge is unreachable). */
  authenticate(header: string | undefined): Promise<ProxySession>;
  close(): void;
}

/** Visible ASCII only: what a bearer token can be. */
const TOKEN = /^[\x21-\x7e]+$/;

const MISSING =
  "Proxy authentication required: send the session token as proxy credentials, e.g. HTTPS_PROXY=http://<token>:<vault>@<listener> (`edgevault vault run` sets it)";

/**
 * Reads `Proxy-Authorization`; undefined when it is absent or malformed.
 * @example parseProxyAuthorization(`Basic ${btoa("evs_abc_def:payments")}`) // { token: "evs_abc_def", vault: "payments" }
 */
export function parseProxyAuthorization(header: string | undefined): ProxyCredentials | undefined {
  if (!header) return undefined;
  const match = /^(basic|bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1] || !match[2]) return undefined;
  if (match[1].toLowerCase() === "bearer") return TOKEN.test(match[2]) ? { token: match[2], vault: undefined } : undefined;
  const decoded = Buffer.from(match[2], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const token = colon === -1 ? decoded : decoded.slice(0, colon);
  const vault = colon === -1 ? "" : decoded.slice(colon + 1);
  if (!TOKEN.test(token)) return undefined;
  if (vault === "") return { token, vault: undefined };
  return VaultName.safeParse(vault).success ? { token, vault } : undefined;
}

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

/** `vault run`: the one session this listener was started for, and nothing else. */
export class SingleSession implements ProxySessions {
  readonly #session: ProxySession;
  readonly #digest: Buffer;
  readonly #vault: string;

  constructor(token: string, vault: string, hosts: ServiceHosts) {
    this.#session = { token, vaultHeader: undefined, hosts };
    this.#digest = digest(token);
    this.#vault = vault;
  }

  async authenticate(header: string | undefined): Promise<ProxySession> {
    const credentials = parseProxyAuthorization(header);
    if (!credentials) throw proxyAuthRequired(MISSING);
    // Compared as digests in constant time: the listener is reachable by every local process.
    const tokenMatches = timingSafeEqual(digest(credentials.token), this.#digest);
    if (!tokenMatches || (credentials.vault !== undefined && credentials.vault !== this.#vault)) {
      throw proxyAuthRequired("These proxy credentials are not the session this proxy was started for");
    }
    const rejected = this.#session.hosts.rejected;
    if (rejected) throw proxyAuthRequired(`The edge no longer accepts this session: ${rejected.message}`);
    return this.#session;
  }

  close(): void {
    this.#session.hosts.close();
  }
}

export const EDGE_SESSION_CACHE_SIZE = 256;

/** `edgevault proxy`: any token the edge accepts, each with its own cached service list. */
export class EdgeSessions implements ProxySessions {
  readonly #addr: string;
  readonly #cacheSize: number;
  readonly #sessions = new Map<string, Promise<ProxySession>>();

  constructor(addr: string, options: { cacheSize?: number } = {}) {
    this.#addr = addr;
    this.#cacheSize = options.cacheSize ?? EDGE_SESSION_CACHE_SIZE;
  }

  async authenticate(header: string | undefined): Promise<ProxySession> {
    const credentials = parseProxyAuthorization(header);
    if (!credentials) throw proxyAuthRequired(MISSING);
    const key = `${digest(credentials.token).toString("hex")}\n${credentials.vault ?? ""}`;
    let pending = this.#sessions.get(key);
    if (pending) {
      this.#sessions.delete(key); // re-inserted below as the most recently used
    } else {
      pending = this.#open(credentials);
    }
    this.#sessions.set(key, pending);
    this.#evictOldest();
    let session: ProxySession;
    try {
      session = await pending;
    } catch (error) {
      if (this.#sessions.get(key) === pending) this.#sessions.delete(key);
      throw error;
    }
    const rejected = session.hosts.rejected;
    if (rejected) {
      this.#forget(key, pending);
      throw proxyAuthRequired(`The edge refused these proxy credentials: ${rejected.message}`);
    }
    return session;
  }

  async #open(credentials: ProxyCredentials): Promise<ProxySession> {
    const client = new ApiClient({ addr: this.#addr, token: credentials.token });
    const hosts = new ServiceHosts({ load: edgeSnapshotLoader(client, credentials.vault) });
    try {
      await hosts.ready();
    } catch (error) {
      hosts.close();
      if (error instanceof ApiError && hosts.rejected) throw proxyAuthRequired(`The edge refused these proxy credentials: ${error.message}`);
      if (error instanceof ProxyError) throw error;
      throw edgeUnreachable(this.#addr, error);
    }
    return { token: credentials.token, vaultHeader: credentials.vault, hosts };
  }

  #forget(key: string, pending: Promise<ProxySession>): void {
    if (this.#sessions.get(key) === pending) this.#sessions.delete(key);
    void pending.then(
      (s) => s.hosts.close(),
      () => undefined,
    );
  }

  #evictOldest(): void {
    while (this.#sessions.size > this.#cacheSize) {
      const [key, pending] = this.#sessions.entries().next().value ?? [];
      if (key === undefined || pending === undefined) break;
      this.#forget(key, pending);
    }
  }

  close(): void {
    for (const [key, pending] of [...this.#sessions]) this.#forget(key, pending);
  }
}
