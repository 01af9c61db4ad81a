/**
 * Which CONNECT targets the listener intercepts: hosts that one of the vault's services answers
 * for (from the edge's `GET /discover`, disabled services included, so the agent hears the edge's
 * 403 `service_disabled` instead of reaching the host directly), or every host when the vault's unmatched-host policy
 * is `deny` (the edge then refuses them with its own 403 `forbidden` and `proposal_hint`).
 * Everything else is tunnelled untouched.
 *
 * Patterns are the edge's canonical service hosts, read and matched by the edge's own
 * workers/lib/http/host-pattern.ts: exact, `*.example.com` (exactly one label), with `:port`, or with
 * a path prefix `host/api/*`. A CONNECT carries no path, so a path-prefix service intercepts
 * its whole host; requests outside the prefix get the edge's 403.
 *
 * The list is refreshed on a timer, after the edge answers 403 `forbidden` (a service may have
 * gone), and, at most every few seconds, when a host is not on it (one may have been added by
 * an approved proposal since the last look).
 */
import { Discovery } from "../../workers/discover/discover.contract.ts";
import { matchesHostAndPort, parseServiceHost, type ServiceHost } from "../../workers/lib/http/host-pattern.ts";
import { OneVault, type UnmatchedHostPolicy } from "../../workers/vaults/vaults.contract.ts";
import { ApiError, type ApiClient } from "../edge/api-client.ts";

/** What the listener does with a target: hand it to the edge, or tunnel it as raw TCP. */
export type Verdict = "intercept" | "tunnel";

/** One look at the vault: its name, its services' hosts, its policy. */
export type ServiceSnapshot = { vault: string; patterns: ServiceHost[]; policy: UnmatchedHostPolicy };

/** A changed policy or service list reaches the listener within this long (the edge's own bound, docs/proxy.md). */
export const REFRESH_INTERVAL_MS = 5_000;
/** A miss triggers a refresh only when the list is older than this. */
export const MISS_REFRESH_AFTER_MS = 5_000;
const INVALIDATE_FLOOR_MS = 1_000;

/**
 * Reads one `/discover` host with the edge's parser; undefined for anything the edge would not
 * have produced. Private names are admitted: a local edge (ALLOW_PRIVATE_UPSTREAMS) serves them.
 * @example parseDiscoveredHost("*.slack.com:8443/api/*") // { hostname: "slack.com", wildcard: true, port: 8443, pathPrefix: "/api" }
 */
export function parseDiscoveredHost(text: string): ServiceHost | undefined {
  try {
    return parseServiceHost(text, { allowPrivate: true });
  } catch {
    return undefined;
  }
}

/**
 * True when a service pattern answers `hostname:port`, with the edge's rules: a pattern
 * without a port answers the default port (443) only; one with a port answers that port only.
 * @example matchesTarget({ hostname: "example.com", wildcard: true, port: null, pathPrefix: null }, "api.example.com", 443) // true
 */
export function matchesTarget(pattern: ServiceHost, hostname: string, port: number): boolean {
  return matchesHostAndPort(pattern, canonicalHost(hostname), port);
}

/** Lower case, without the trailing dot of a fully qualified name. */
export function canonicalHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, "");
}

export type ServiceHostsOptions = {
  load: () => Promise<ServiceSnapshot>;
  refreshIntervalMs?: number;
  missRefreshAfterMs?: number;
  now?: () => number;
};

/**
 * The intercept/tunnel decision for one session, kept fresh.
 * @example
 * const hosts = new ServiceHosts({ load: edgeSnapshotLoader(client) });
 * await hosts.ready();
 * if ((await hosts.verdict("api.stripe.com", 443)) === "intercept") …
 */
export class ServiceHosts {
  readonly #load: () => Promise<ServiceSnapshot>;
  readonly #missRefreshAfterMs: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  #snapshot: ServiceSnapshot | undefined;
  #loadedAt = 0;
  #loading: Promise<ServiceSnapshot> | undefined;
  #rejected: ApiError | undefined;

  constructor(options: ServiceHostsOptions) {
    this.#load = options.load;
    this.#missRefreshAfterMs = options.missRefreshAfterMs ?? MISS_REFRESH_AFTER_MS;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), options.refreshIntervalMs ?? REFRESH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** The vault the edge says this session uses (known after `ready()`). */
  get vault(): string | undefined {
    return this.#snapshot?.vault;
  }

  /**
   * Set once the edge refused this token (401, or 403/404 for its vault): the listener then
   * answers 407 instead of tunnelling for a token that no longer works.
   */
  get rejected(): ApiError | undefined {
    return this.#rejected;
  }

  /** Resolves after the first successful look; rejects with the edge's error. */
  async ready(): Promise<void> {
    if (!this.#snapshot) await this.refresh();
  }

  /** Reloads now; concurrent callers share one request. Keeps the last good list on failure. */
  refresh(): Promise<ServiceSnapshot> {
    this.#loading ??= this.#load()
      .then((snapshot) => {
        this.#snapshot = snapshot;
        this.#loadedAt = this.#now();
        this.#rejected = undefined;
        return snapshot;
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && [400, 401, 403, 404].includes(error.status)) this.#rejected = error;
        throw error;
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  /**
   * The edge said 403 `forbidden`: what we know may be stale. Refreshes in the background, at
   * most once a second (under a deny policy every refused request says so).
   */
  invalidate(): void {
    if (this.#now() - this.#loadedAt >= INVALIDATE_FLOOR_MS) void this.refresh().catch(() => undefined);
  }

  async verdict(hostname: string, port: number): Promise<Verdict> {
    let snapshot = this.#snapshot ?? (await this.refresh());
    if (snapshot.patterns.some((p) => matchesTarget(p, hostname, port))) return "intercept";
    if (this.#now() - this.#loadedAt >= this.#missRefreshAfterMs) {
      snapshot = await this.refresh().catch(() => snapshot);
      if (snapshot.patterns.some((p) => matchesTarget(p, hostname, port))) return "intercept";
    }
    return snapshot.policy === "deny" ? "intercept" : "tunnel";
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/**
 * Loads a snapshot from the edge with the session's own token: `GET /discover` (with
 * `X-Vault` when the client named a vault, as agent tokens must), then the vault's policy.
 */
export function edgeSnapshotLoader(client: ApiClient, vaultHeader?: string): () => Promise<ServiceSnapshot> {
  const headers = vaultHeader ? { "X-Vault": vaultHeader } : undefined;
  return async () => {
    const discovered = await client.call("get", "/discover", Discovery, { headers, timeoutMs: 10_000 });
    const { vault } = await client.call("get", "/v1/vaults/{vault}", OneVault, { params: { vault: discovered.vault }, headers, timeoutMs: 10_000 });
    const patterns = discovered.services.map((s) => parseDiscoveredHost(s.host)).filter((p): p is ServiceHost => p !== undefined);
    return { vault: discovered.vault, patterns, policy: vault.unmatched_host_policy };
  };
}
