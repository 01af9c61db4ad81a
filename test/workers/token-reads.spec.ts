/**
 * The isolate remembers a token's read (its genuine tag, its SHA-256) for a while
 * (auth/token-signer.ts `readTokenAndHash`): what it remembers must never decide whether the token
 * is still good, and must not outlive the MAC key it was read under.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readTokenAndHash, TOKEN_READ_MEMORY_MS } from "../../workers/auth/token-signer.ts";
import { sha256Hex } from "../../workers/lib/crypto/tokens.ts";
import { call, createCompany } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { upstreamUrl } from "./upstream.ts";

describe("a remembered token read never keeps a revoked token working", () => {
  it("a vault session revoked between two requests is refused on the very next one, its read remembered", async () => {
    const s = await proxySetup({ upstream: upstreamUrl() });
    const minted = await call("POST", "/v1/sessions", { token: s.company.ownerKey, body: { vault: s.vault } });
    const session = { ...s, agent: { token: minted.body.token as string } };
    expect((await proxyFetch(session, "/v1/ping")).status).toBe(200);
    // The read is remembered: the same object comes back, so the next request does not read it again.
    const first = await readTokenAndHash(env, session.agent.token);
    expect(await readTokenAndHash(env, session.agent.token)).toBe(first);

    expect((await call("DELETE", `/v1/sessions/${minted.body.id as string}`, { token: s.company.ownerKey })).status).toBe(200);
    const refused = await proxyFetch(session, "/v1/ping");
    expect(refused.status).toBe(401);
    expect(await readTokenAndHash(env, session.agent.token)).toBe(first);
  });

  it("an agent disabled between two requests is refused on the very next one, through /proxy and /v1 alike", async () => {
    const s = await proxySetup();
    expect((await proxyFetch(s, "/v1/ping")).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: s.agent.token })).status).toBe(200);
    expect(await readTokenAndHash(env, s.agent.token)).toBe(await readTokenAndHash(env, s.agent.token));
    const disabled = await call("PATCH", `/v1/agents/${s.agent.name}`, { token: s.company.ownerKey, body: { status: "disabled" } });
    expect(disabled.status).toBe(200);
    expect((await proxyFetch(s, "/v1/ping")).status).toBe(401);
    expect((await call("GET", "/v1/whoami", { token: s.agent.token })).status).toBe(401);
  });
});

describe("a remembered token read is only ever the read its MAC key would make", () => {
  it("under another MAC key the same token reads as nothing, and back under the first it is read afresh", async () => {
    const company = await createCompany();
    const before = await readTokenAndHash(env, company.ownerKey);
    expect(before?.hash).toBe(await sha256Hex(company.ownerKey));
    expect(await readTokenAndHash({ ...env, TOKEN_MAC_KEY: "another-token-mac-key-0123456789ab" }, company.ownerKey)).toBeUndefined();
    const after = await readTokenAndHash(env, company.ownerKey);
    expect({ parsed: after?.parsed, hash: after?.hash }).toEqual({ parsed: before?.parsed, hash: before?.hash });
    expect(after).not.toBe(before);
  });

  it("a token whose tag is forged is refused every time, and never remembered as read", async () => {
    const company = await createCompany();
    const genuine = company.ownerKey;
    const [kind, id, secret] = genuine.split("_") as [string, string, string];
    const forged = `${kind}_${id.slice(0, -1)}${id.endsWith("0") ? "1" : "0"}_${secret}`;
    expect(await readTokenAndHash(env, forged)).toBeUndefined();
    expect(await readTokenAndHash(env, forged)).toBeUndefined();
    expect((await call("GET", "/v1/vaults", { token: forged })).status).toBe(401);
  });

  it("a read is made again once it is older than the memory's bound", async () => {
    const company = await createCompany();
    const now = Date.now();
    const first = await readTokenAndHash(env, company.ownerKey, now);
    expect(await readTokenAndHash(env, company.ownerKey, now + TOKEN_READ_MEMORY_MS - 1)).toBe(first);
    const again = await readTokenAndHash(env, company.ownerKey, now + TOKEN_READ_MEMORY_MS);
    expect(again).not.toBe(first);
    expect(again).toEqual({ ...first, readAt: now + TOKEN_READ_MEMORY_MS });
  });
});
