/**
 * Asking the edge whether a passport was revoked (`GET /v1/ocsp/{jti}`, Vane's shape), for servers
 * that cannot wait for a revoked passport to expire. The answer is trusted only when its signature
 * holds under the same CA key the passport was checked with (Ed25519 over the RFC 8785 form of the
 * answer without `caPublicKey` and `signature`; the `caPublicKey` it carries is never used) and it
 * names this passport and its company. A `valid` answer is also only as good as it is fresh: one
 * whose `checkedAt` is older than the time it may be kept (`maxAgeSeconds`, never longer than the
 * edge allows), or later than now, beyond `clockToleranceSeconds` either way, is refused, so an
 * old signed `valid` replayed after a revocation (by a proxy, a cache, whoever sits between) does
 * not pass. Answers are kept: `valid` until its `checkedAt` plus that time, `revoked` until the
 * passport expires, since it is final. Anything else (the edge unreachable, a bad or stale
 * answer) refuses the call: fail closed.
 */
import { base64url } from "jose";
import { canonicalJson } from "./canonical-json.js";
import type { PassportKey } from "./keys.js";
import type { PassportClaims, PassportResult } from "./passport.js";

export type OcspOptions = {
  /** The edge's origin, e.g. `https://edgevault.example.com`. */
  url: string | URL;
  /**
   * A token of the issuing company that may read statuses: give the MCP server an agent of its
   * own with no vault grants (its token can read statuses and little else).
   */
  token: string;
  /** How long a `valid` answer is kept, at most, from the time it was checked (default 60 s, what the edge allows). */
  maxAgeSeconds?: number;
  /** Tolerated difference between the edge's clock and this one when judging an answer's `checkedAt` (default 30 s). */
  clockToleranceSeconds?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

type Kept = { revoked: boolean; reason?: string; until: number };
const MAX_KEPT = 10_000;

export type StatusCheck = (claims: PassportClaims, kid: string, now: number) => Promise<PassportResult | undefined>;

const unknownStatus = (why: string): PassportResult => ({
  valid: false,
  code: "VERIFICATION_ERROR",
  message: `The passport's revocation status could not be determined: ${why}`,
});
const revoked = (reason: string | undefined): PassportResult => ({
  valid: false,
  code: "PASSPORT_REVOKED",
  message: `Passport has been revoked${reason ? ` (${reason})` : ""}`,
});

/** A status check against `options.url`, with its own cache; undefined from the check means "not revoked". */
export function ocspStatusCheck(options: OcspOptions, key: PassportKey): StatusCheck {
  const kept = new Map<string, Kept>();
  const origin = new URL(options.url).origin;
  const maxAge = options.maxAgeSeconds ?? 60;
  const tolerance = (options.clockToleranceSeconds ?? 30) * 1000;
  const send = options.fetch ?? fetch;

  async function signatureHolds(answer: Record<string, unknown>, kid: string): Promise<boolean> {
    const { caPublicKey: _pem, signature, ...data } = answer;
    if (typeof signature !== "string") return false;
    try {
      return await crypto.subtle.verify(
        { name: "Ed25519" },
        await key.forStatus(kid),
        new Uint8Array(base64url.decode(signature)),
        new TextEncoder().encode(canonicalJson(data)),
      );
    } catch {
      return false;
    }
  }

  async function ask(claims: PassportClaims, kid: string, now: number): Promise<Kept | PassportResult> {
    let response: Response;
    try {
      response = await send(`${origin}/v1/ocsp/${encodeURIComponent(claims.jti)}`, {
        headers: { Authorization: `Bearer ${options.token}`, Accept: "application/json" },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      return unknownStatus(`the edge could not be reached (${error instanceof Error ? error.message : String(error)})`);
    }
    const text = await response.text();
    if (response.status !== 200) return unknownStatus(`HTTP ${response.status} ${text.slice(0, 200)}`);
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return unknownStatus("the answer is not JSON");
    }
    if (answer.jti !== claims.jti || answer.companyId !== claims.counsel.org || (answer.status !== "valid" && answer.status !== "revoked")) {
      return unknownStatus("the answer is about another passport");
    }
    if (!(await signatureHolds(answer, kid))) return unknownStatus("the answer's signature does not hold under the CA key");
    const allowed = Number(/max-age=(\d+)/.exec(response.headers.get("Cache-Control") ?? "")?.[1] ?? 0);
    const isRevoked = answer.status === "revoked";
    const keptFor = Math.min(maxAge, allowed) * 1000;
    const checkedAt = typeof answer.checkedAt === "string" ? Date.parse(answer.checkedAt) : Number.NaN;
    if (!isRevoked) {
      // A revoked answer is final whenever it was signed; a valid one speaks only for its moment.
      if (Number.isNaN(checkedAt)) return unknownStatus("the answer says not when it was checked");
      if (checkedAt > now + tolerance) return unknownStatus(`the answer was checked in the future (${answer.checkedAt})`);
      if (checkedAt + keptFor < now - tolerance) return unknownStatus(`the answer is stale: checked at ${answer.checkedAt}, good for ${keptFor / 1000} s`);
    }
    const until = isRevoked ? claims.exp * 1000 : Math.min(now, checkedAt) + keptFor;
    return { revoked: isRevoked, ...(typeof answer.reason === "string" ? { reason: answer.reason } : {}), until };
  }

  return async (claims, kid, now) => {
    const hit = kept.get(claims.jti);
    const status = hit && hit.until > now ? hit : await ask(claims, kid, now);
    if ("valid" in status) return status;
    if (status !== hit) {
      kept.set(claims.jti, status);
      if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value ?? "");
    }
    return status.revoked ? revoked(status.reason) : undefined;
  };
}
