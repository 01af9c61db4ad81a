/**
 * Changes reach every isolate (docs/proxy.md): two independent caches stand for two isolates of
 * the Worker, one that made a change and one that did not, over the same real D1.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../workers/db/client.ts";
import { loadVaultConfig, RECHECK_AFTER_MS, VAULT_CONFIG_PROPAGATION_MS, VaultConfigCache } from "../../workers/proxy/vault-config.ts";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { upstreamUrl } from "./upstream.ts";

const background = () => undefined;

async function vaultWithService() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("api")}.example.com`;
  await call("POST", `/v1/vaults/${vault}/services`, {
    token: company.ownerKey,
    body: { name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" } },
  });
  await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { API_KEY: "first-value" } } });
  const vaultId = (await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(company.id, vault).first<{ id: string }>())?.id ?? "";
  const load = () => loadVaultConfig(createDatabase(env.DB), env, company.id, vaultId);
  return { company, vault, vaultId, host, load };
}

describe("vault config on every isolate", () => {
  it("a disabled or deleted service and a deleted or replaced credential stop being used everywhere within the bound", async () => {
    const s = await vaultWithService();
    const other = new VaultConfigCache(); // an isolate that made none of the changes
    const t0 = Date.now();
    const before = await other.get(s.company.id, s.vaultId, s.load, background, t0);
    expect(before.services.map((x) => [x.name, x.enabled])).toEqual([["svc", true]]);
    const sealedBefore = before.sealed.get("API_KEY");

    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { enabled: false } });
    await call("POST", "/v1/credentials", { token: s.company.ownerKey, body: { vault: s.vault, credentials: { API_KEY: "replaced-value" } } });
    const atBound = await other.get(s.company.id, s.vaultId, s.load, background, Date.now() + VAULT_CONFIG_PROPAGATION_MS);
    expect(atBound.services.map((x) => [x.name, x.enabled])).toEqual([["svc", false]]);
    expect(atBound.sealed.get("API_KEY")).not.toBe(sealedBefore);

    await call("DELETE", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey });
    await call("DELETE", "/v1/credentials", { token: s.company.ownerKey, body: { vault: s.vault, keys: ["API_KEY"] } });
    const later = await other.get(s.company.id, s.vaultId, s.load, background, Date.now() + 2 * VAULT_CONFIG_PROPAGATION_MS);
    expect(later.services).toEqual([]);
    expect(later.sealed.has("API_KEY")).toBe(false);
    console.log(`propagation: two caches, every change seen by the other within ${VAULT_CONFIG_PROPAGATION_MS} ms`);
  });

  it("the retry right after `applied` goes through on an isolate that cached the vault before the approval", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const vaultId = (await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(company.id, vault).first<{ id: string }>())?.id ?? "";
    const load = () => loadVaultConfig(createDatabase(env.DB), env, company.id, vaultId);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const other = new VaultConfigCache();
    // The agent's refused call warmed this isolate's copy: no service yet.
    const warm = await other.get(company.id, vaultId, load, background);
    expect(warm.services).toEqual([]);

    const host = `${unique("api")}.example.com`;
    const raised = await call("POST", "/v1/proposals", {
      token: agent.token,
      headers: { "X-Vault": vault },
      body: { services: [{ name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "NEW_KEY" } }], credentials: [{ key: "NEW_KEY" }] },
    });
    const admin = await createUser(company, "owner");
    expect(
      (await call("POST", `/v1/proposals/${raised.body.id as string}/approve`, { token: admin.token, body: { credentials: { NEW_KEY: "v" } } })).status,
    ).toBe(200);

    // Still fresh on this isolate, so a plain read would refuse again; a miss re-reads once instead.
    expect((await other.get(company.id, vaultId, load, background)).services).toEqual([]);
    const rechecked = await other.recheck(warm, load, warm.loadedAt + RECHECK_AFTER_MS);
    expect(rechecked.services.map((x) => x.name)).toEqual(["svc"]);
    expect(rechecked.sealed.has("NEW_KEY")).toBe(true);
    // And a flood of refusals does not turn into a D1 read each: a copy read a moment ago stands.
    expect(await other.recheck(rechecked, load, rechecked.loadedAt + 1)).toBe(rechecked);
  });

  it("/discover lists a disabled service as disabled, with the seed's fields unchanged", async () => {
    const s = await vaultWithService();
    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { enabled: false } });
    const agent = await inviteAgent(s.company.ownerKey, undefined, [{ vault: s.vault, role: "proxy" }]);
    const discovered = await call("GET", "/discover", { token: agent.token, headers: { "X-Vault": s.vault } });
    expect(discovered.body.services).toEqual([{ host: s.host, description: "svc", enabled: false }]);
  });
});
