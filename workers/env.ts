/**
 * The Worker's bindings, secrets and vars (see wrangler.toml; secrets via `wrangler secret put`).
 * The Durable Object namespaces are typed by the RPC interfaces their classes implement, never by
 * the classes: a class imports the Worker's modules, so importing it here would close a circle.
 */
import type { ActorGateRpc } from "../durable-objects/actor-gate.rpc.ts";
import type { ChainSealerRpc } from "../durable-objects/chain-sealer.rpc.ts";
import type { OAuthTokensRpc } from "../durable-objects/oauth-tokens.rpc.ts";
import type { ProposalWatchRpc } from "../durable-objects/proposal-watch.rpc.ts";
import type { RegistrationChannelRpc } from "../durable-objects/registration-channel.rpc.ts";
import type { RequestApprovalsRpc } from "../durable-objects/request-approvals.rpc.ts";

export interface Env {
  DB: D1Database;
  ACTOR_GATE: DurableObjectNamespace<ActorGateRpc>;
  PROPOSAL_WATCH: DurableObjectNamespace<ProposalWatchRpc>;
  REGISTRATION_CHANNEL: DurableObjectNamespace<RegistrationChannelRpc>;
  /** One per vault: the proxied requests waiting for a person, and the time-boxed approvals. */
  REQUEST_APPROVALS: DurableObjectNamespace<RequestApprovalsRpc>;
  CHAIN_SEALER: DurableObjectNamespace<ChainSealerRpc>;
  /** One per OAuth credential of a vault (a refresh token, or a client and its grant): the single flight of its access token. */
  OAUTH_TOKENS: DurableObjectNamespace<OAuthTokensRpc>;
  /** "production" or "dev". */
  ENVIRONMENT: string;
  /** SPIFFE trust domain for agent IDs. */
  TRUST_DOMAIN: string;
  /** "true" only in local dev: services may point at loopback / plain-http upstreams. */
  ALLOW_PRIVATE_UPSTREAMS: string;
  /** Secret: the platform operator's token, required to create companies. */
  PLATFORM_TOKEN: string;
  /**
   * Secret: versioned master keys, `v1:<base64 32 bytes>,v2:<base64 32 bytes>`.
   * The last entry wraps new data keys; older entries still unwrap until rotation re-wraps.
   */
  MASTER_KEYS: string;
  /**
   * Secret: HMAC key for the public ids inside tokens (auth/token-signer.ts), so forged tokens are
   * refused before any Durable Object or D1 read. Optional: derived from PLATFORM_TOKEN when unset.
   */
  TOKEN_MAC_KEY?: string;
  /**
   * Where users reach the edge (`https://edgevault.example`): every link it makes starts with it,
   * and requests for any other host (but `<company>.<BASE_DOMAIN>`) are 421. Needed: unset, the
   * edge answers 500 `server_misconfigured` (`npm run deploy:check -- --strict` refuses that).
   */
  PUBLIC_ORIGIN?: string;
  /** Optional: companies get hosts `<company>.<BASE_DOMAIN>` (e.g. `acme.edgevault.example`). */
  BASE_DOMAIN?: string;
  /** Optional: the company Vaultys' anonymous registration at the bare address joins (`npm start`: `demo`). */
  DEFAULT_COMPANY?: string;
  /** Optional: milliseconds to wait for an upstream's response headers (default 30000). */
  UPSTREAM_TIMEOUT_MS?: string;
}
