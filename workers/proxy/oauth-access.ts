/**
 * The access token of an `oauth` service at `/proxy`: from this isolate's copy while it is usable,
 * else from the credential's OAuthTokens object (durable-objects/oauth-tokens.ts), the single
 * flight across isolates. A warm request therefore pays no round trip beyond its ActorGate's; the
 * first request in a token's last stretch (`refreshFrom`) asks the object for the next token in the
 * background and is served the current one, so no warm request waits on the provider.
 *
 * What is cached, and why it cannot outlive a person's change (docs/security.md): the decrypted
 * access token, per isolate, until its `usableUntil` at the latest, keyed by the credential's
 * object and held only together with the *basis* it was obtained on — the sealed client secret and
 * refresh token of the proxy's copy of the vault, and the digest of the service's grant. A reconnect,
 * a new client secret or an edited auth changes that basis in the vault's copy (at once on the
 * isolate that wrote it, within 5 s elsewhere: vault-config.ts), and a changed basis is never
 * served from here: the object is asked, and it drops what the old basis obtained. A deleted
 * credential or service is refused before this is reached.
 */
import type { TokenAnswer, TokenNeed } from "../../durable-objects/oauth-tokens.rpc.ts";
import type { Env } from "../env.ts";
import { sha256Hex } from "../lib/crypto/tokens.ts";
import { grantDigestOf, oauthTokens, tokenSlotOf } from "../oauth/token-slot.ts";
import { type OAuthAuth, oauthGrantOf } from "../services/oauth-auth.contract.ts";
import type { VaultConfig } from "./vault-config.ts";

/** The most tokens one isolate keeps (least recently stored dropped first). */
export const MAX_ISOLATE_TOKENS = 1024;

type Basis = { clientSecret: string | null; refreshToken: string | null; grant: string };
type Copy = { token: string; usableUntil: number; refreshFrom: number; basis: Basis; refreshing: boolean };

/** Where the answer came from: this isolate's copy, or the token's object. */
export type AccessToken = { ok: true; token: string; from: "isolate" | "object" };
export type AccessRefusal = Exclude<TokenAnswer, { ok: true }>;

/** One isolate's copies of access tokens (a class so a test can run two "isolates" side by side). */
export class OAuthAccessCache {
  #copies = new Map<string, Copy>();

  /**
   * The service's access token. `rejected`: the upstream answered 401 to this token; the object
   * refreshes unless another request did so already, and this isolate's copy is dropped.
   */
  async token(
    env: Pick<Env, "OAUTH_TOKENS">,
    ask: { config: VaultConfig; vault: { id: string; name: string }; service: string; auth: OAuthAuth; rejected?: string },
    waitUntil: (p: Promise<unknown>) => void,
    now = Date.now(),
  ): Promise<AccessToken | AccessRefusal> {
    const { config, auth } = ask;
    const basis: Basis = {
      clientSecret: config.sealed.get(auth.client_secret_key) ?? null,
      refreshToken: oauthGrantOf(auth) === "refresh_token" && auth.refresh_token_key ? (config.sealed.get(auth.refresh_token_key) ?? null) : null,
      grant: await grantDigestOf(auth),
    };
    // Not in this copy of the vault: the proxy re-reads it once before refusing (credential_not_found).
    if (basis.clientSecret === null) return { ok: false, refusal: "missing", key: auth.client_secret_key };
    if (oauthGrantOf(auth) === "refresh_token" && basis.refreshToken === null) return { ok: false, refusal: "missing", key: auth.refresh_token_key ?? "" };

    const slot = await tokenSlotOf(auth);
    const name = `${config.companyId}:${config.vaultId}:${slot}`;
    const copy = this.#copies.get(name);
    const askObject = (need: TokenNeed) =>
      oauthTokens(env, config.companyId, config.vaultId, slot).token({
        companyId: config.companyId,
        vault: ask.vault,
        service: ask.service,
        auth,
        basis: { clientSecret: basis.clientSecret, refreshToken: basis.refreshToken },
        need,
      });

    if (ask.rejected === undefined && copy && sameBasis(copy.basis, basis) && now < copy.usableUntil) {
      if (now >= copy.refreshFrom && !copy.refreshing) {
        copy.refreshing = true;
        waitUntil(
          askObject({ kind: "fresh" })
            .then((answer) => this.#keep(name, basis, answer))
            .catch(() => undefined)
            .finally(() => {
              copy.refreshing = false;
            }),
        );
      }
      return { ok: true, token: copy.token, from: "isolate" };
    }
    if (ask.rejected !== undefined) this.#copies.delete(name);
    const need: TokenNeed = ask.rejected === undefined ? { kind: "current" } : { kind: "rejected", sha256: await sha256Hex(ask.rejected) };
    const answer = await askObject(need);
    this.#keep(name, basis, answer);
    return answer.ok ? { ok: true, token: answer.accessToken, from: "object" } : answer;
  }

  #keep(name: string, basis: Basis, answer: TokenAnswer): void {
    if (!answer.ok) {
      // A refused grant is not served from here either: the next request asks the object (which backs off).
      this.#copies.delete(name);
      return;
    }
    this.#copies.delete(name);
    this.#copies.set(name, { token: answer.accessToken, usableUntil: answer.usableUntil, refreshFrom: answer.refreshFrom, basis, refreshing: false });
    while (this.#copies.size > MAX_ISOLATE_TOKENS) {
      const oldest = this.#copies.keys().next().value;
      if (oldest === undefined) break;
      this.#copies.delete(oldest);
    }
  }

  /** Drops every copy of a vault's tokens (a reconnect on this isolate: vault-config's `forget` does the rest). */
  forgetVault(companyId: string, vaultId: string): void {
    for (const name of this.#copies.keys()) if (name.startsWith(`${companyId}:${vaultId}:`)) this.#copies.delete(name);
  }
}

const sameBasis = (a: Basis, b: Basis) => a.clientSecret === b.clientSecret && a.refreshToken === b.refreshToken && a.grant === b.grant;

/** This isolate's copies. */
export const isolateAccessTokens = new OAuthAccessCache();
