/**
 * What an isolate keeps of a vault's credentials (docs/security.md, "What an isolate keeps"): each
 * copy of a vault's config decrypts a credential once and builds a redaction table once, and both go
 * with the copy. A replaced credential is injected, and redacted, from the next request on in the
 * isolate that replaced it; a fresh copy starts with nothing opened. What a service sends and redacts
 * (its plan) is worked out once per copy and service.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../workers/db/client.ts";
import { loadVaultConfig, openCredentials, redactionTableOf } from "../../workers/proxy/vault-config.ts";
import { call, unique } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

const FIRST = "sk_live_first_51HxT2QJ9vK3mLpRsT7u";
const SECOND = "sk_live_second_9vK3mLpRsT7uVwXyZ2Q";

async function vaultIdOf(companyId: string, vault: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(companyId, vault).first<{ id: string }>();
  return row?.id ?? "";
}

describe("decrypted credentials and redaction tables live with the vault config's copy", () => {
  it("a copy decrypts a credential once; a fresh copy opens it again from its ciphertext", async () => {
    const s = await proxySetup({ credentials: { API_KEY: FIRST } });
    const vaultId = await vaultIdOf(s.company.id, s.vault);
    const copy = await loadVaultConfig(createDatabase(env.DB), env, s.company.id, vaultId);
    expect(copy.opened).toBeUndefined();
    expect(await openCredentials(copy, ["API_KEY"])).toEqual({ values: new Map([["API_KEY", FIRST]]) });
    // Under a wrong data key the copy still answers: the value was kept, not decrypted again; a fresh copy must decrypt, and fails.
    const wrongKey = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["decrypt"]);
    expect(await openCredentials({ ...copy, dataKey: wrongKey }, ["API_KEY"])).toEqual({ values: new Map([["API_KEY", FIRST]]) });
    const fresh = await loadVaultConfig(createDatabase(env.DB), env, s.company.id, vaultId);
    expect(fresh.opened).toBeUndefined();
    await expect(openCredentials({ ...fresh, dataKey: wrongKey }, ["API_KEY"])).rejects.toThrow();
    expect(await openCredentials(fresh, ["API_KEY", "MISSING"])).toEqual({ missing: "MISSING" });
  });

  it("one redaction table per copy and set of values; another value gets its own", async () => {
    const s = await proxySetup({ credentials: { API_KEY: FIRST } });
    const copy = await loadVaultConfig(createDatabase(env.DB), env, s.company.id, await vaultIdOf(s.company.id, s.vault));
    const first = redactionTableOf(copy, [{ key: "API_KEY", value: FIRST }]);
    expect(first).not.toBeNull();
    expect(redactionTableOf(copy, [{ key: "API_KEY", value: FIRST }])).toBe(first);
    const second = redactionTableOf(copy, [{ key: "API_KEY", value: SECOND }]);
    expect(second).not.toBe(first);
    expect(redactionTableOf(copy, [])).toBeNull();
  });

  it("each service of a copy keeps its own plan: what it injects and what it redacts", async () => {
    const s = await proxySetup({ credentials: { API_KEY: FIRST, OTHER_KEY: SECOND } });
    const other = `${unique("other").slice(0, 30)}.example.com`;
    const added = await call("POST", `/v1/vaults/${s.vault}/services`, {
      token: s.company.ownerKey,
      body: { name: "other", host: other, upstream: upstreamUrl(), auth: { type: "api-key", header: "X-Api-Key", key: "OTHER_KEY" } },
    });
    expect(added.status, added.text).toBe(201);
    // Alternating, warm after the first two: a plan served to the wrong service would send (or leave in clear) the other's value.
    const sent: { header: unknown; body: unknown }[] = [];
    for (const host of [s.host, other, s.host, other]) {
      const id = requestId();
      const reflectFrom = host === other ? "x-api-key" : "authorization";
      const answer = await proxyFetch(s, `/r/${id}/x?shape=json`, { headers: { "X-Test-Route": "/reflect", "X-Reflect-From": reflectFrom } }, host);
      const headers = (await recorded(id))[0]?.headers;
      sent.push({ header: host === other ? headers?.["x-api-key"] : headers?.authorization, body: await answer.json() });
    }
    expect(sent.map(({ header }) => header)).toEqual([`Bearer ${FIRST}`, SECOND, `Bearer ${FIRST}`, SECOND]);
    expect(sent.map(({ body }) => body)).toEqual([
      { debug: { seen: "[REDACTED:API_KEY]" }, ok: false },
      { debug: { seen: "[REDACTED:OTHER_KEY]" }, ok: false },
      { debug: { seen: "[REDACTED:API_KEY]" }, ok: false },
      { debug: { seen: "[REDACTED:OTHER_KEY]" }, ok: false },
    ]);
  });

  it("a replaced credential is injected and redacted on the very next request", async () => {
    const s = await proxySetup({ credentials: { API_KEY: FIRST } });
    const ids: string[] = [];
    const reflect = () => {
      const id = requestId();
      ids.push(id);
      return proxyFetch(s, `/r/${id}/x?shape=json`, { headers: { "X-Test-Route": "/reflect" } });
    };
    const sentWith = async (index: number) => (await recorded(ids[index] as string))[0]?.headers.authorization;
    const before = await reflect();
    expect(await before.json()).toEqual({ debug: { seen: "[REDACTED:API_KEY]" }, ok: false });
    const warm = await reflect();
    expect(await warm.json()).toEqual({ debug: { seen: "[REDACTED:API_KEY]" }, ok: false });
    expect([await sentWith(0), await sentWith(1)]).toEqual([`Bearer ${FIRST}`, `Bearer ${FIRST}`]);

    const replaced = await call("POST", "/v1/credentials", { token: s.company.ownerKey, body: { vault: s.vault, credentials: { API_KEY: SECOND } } });
    expect(replaced.status, replaced.text).toBeLessThan(300);
    // Echoed with the header the upstream saw: had the old value been kept, the new one would come back in clear.
    const after = await reflect();
    const text = await after.text();
    expect(JSON.parse(text)).toEqual({ debug: { seen: "[REDACTED:API_KEY]" }, ok: false });
    expect(after.headers.get("x-echoed")).toBe("[REDACTED:API_KEY]");
    expect(text).not.toContain(SECOND);
    expect(text).not.toContain(FIRST);
    expect(await sentWith(2)).toBe(`Bearer ${SECOND}`);
  });
});
