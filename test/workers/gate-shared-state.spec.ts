/**
 * What the ActorGates of an isolate share (docs/proxy.md, "What a gate keeps"): vault metadata per
 * company and vault, bounded, within the propagation bound; and copies of a gate's root state that
 * its next instance starts from, which every invalidation outdates.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  sharedVaultMeta,
  VAULT_META_FRESH_MS,
  VAULT_META_PROPAGATION_MS,
  VAULT_META_RECHECK_MS,
  VaultMetaCache,
  type VaultLookup,
} from "../../durable-objects/vault-meta-cache.ts";
import { createDatabase } from "../../workers/db/client.ts";
import { d1QueryCount } from "../../workers/db/query-counter.ts";
import { loadVaultMeta } from "../../workers/vaults/vault-meta.queries.ts";
import { agentGate, call, createCompany, createVault, inviteAgent, redeem, unique } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { requestId, upstreamUrl } from "./upstream.ts";

const background = () => undefined;

async function vaultId(companyId: string, name: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(companyId, name).first<{ id: string }>();
  if (!row) throw new Error(`no vault ${name}`);
  return row.id;
}

/** A loader over the real D1 that counts its reads. */
function counted(companyId: string, by: VaultLookup) {
  const loader = {
    reads: 0,
    load: () => {
      loader.reads += 1;
      return loadVaultMeta(createDatabase(env.DB), companyId, by);
    },
  };
  return loader;
}

describe("vault metadata shared by the gates of an isolate", () => {
  it("is kept per company and vault: two companies' vaults of one name never share an entry", async () => {
    const name = unique("same");
    const [a, b] = [await createCompany(), await createCompany()];
    await createVault(a.ownerKey, name);
    await createVault(b.ownerKey, name);
    const cache = new VaultMetaCache();
    const ofA = await cache.get(a.id, { name }, counted(a.id, { name }).load, background);
    const ofB = await cache.get(b.id, { name }, counted(b.id, { name }).load, background);
    expect(ofA.value?.id).toBe(await vaultId(a.id, name));
    expect(ofB.value?.id).toBe(await vaultId(b.id, name));
    expect(ofA.value?.id).not.toBe(ofB.value?.id);
    // Served from the cache, each still its own company's.
    expect((await cache.get(b.id, { name }, counted(b.id, { name }).load, background)).value?.id).toBe(ofB.value?.id);
    // Forgetting one company's vaults leaves the other's.
    cache.forgetCompany(a.id);
    const stillB = counted(b.id, { name });
    await cache.get(b.id, { name }, stillB.load, background);
    expect(stillB.reads).toBe(0);
  });

  it("holds at most its bound, dropping the least recently used", async () => {
    const company = await createCompany();
    const names = [unique("x"), unique("y"), unique("z")];
    for (const name of names) await createVault(company.ownerKey, name);
    const [x, y, z] = names.map((name) => ({ name })) as [VaultLookup, VaultLookup, VaultLookup];
    const cache = new VaultMetaCache(2);
    await cache.get(company.id, x, counted(company.id, x).load, background);
    await cache.get(company.id, y, counted(company.id, y).load, background);
    await cache.get(company.id, x, counted(company.id, x).load, background); // x used last: y is now the oldest
    await cache.get(company.id, z, counted(company.id, z).load, background);
    expect(cache.size).toBe(2);
    const [againX, againY] = [counted(company.id, x), counted(company.id, y)];
    await cache.get(company.id, x, againX.load, background);
    await cache.get(company.id, y, againY.load, background);
    expect([againX.reads, againY.reads]).toEqual([0, 1]);
  });

  it("a rate-limit change reaches a gate elsewhere within the bound, and this isolate's gates at once", async () => {
    const company = await createCompany();
    const name = await createVault(company.ownerKey);
    const by = { name };
    const elsewhere = new VaultMetaCache(); // the gates of an isolate that did not make the change
    const t0 = Date.now();
    expect((await elsewhere.get(company.id, by, counted(company.id, by).load, background, t0)).value?.rateLimit).toBeNull();
    expect((await sharedVaultMeta.get(company.id, by, counted(company.id, by).load, background)).value?.rateLimit).toBeNull();

    const limit = { rate_per_second: 3, burst: 7, max_concurrent: 2 };
    expect((await call("PATCH", `/v1/vaults/${name}`, { token: company.ownerKey, body: { rate_limit: limit } })).status).toBe(200);
    // Here, the change forgot the company's entries: the next read is D1's.
    const here = counted(company.id, by);
    expect((await sharedVaultMeta.get(company.id, by, here.load, background)).value?.rateLimit).toMatchObject({ burst: 7 });
    expect(here.reads).toBe(1);
    // Elsewhere: still the old copy while fresh, the new value at the bound.
    expect((await elsewhere.get(company.id, by, counted(company.id, by).load, background, t0 + VAULT_META_FRESH_MS - 1)).value?.rateLimit).toBeNull();
    const atBound = await elsewhere.get(company.id, by, counted(company.id, by).load, background, t0 + VAULT_META_PROPAGATION_MS);
    expect(atBound.value?.rateLimit).toMatchObject({ burst: 7 });
  });

  it("a refusal re-reads a copy older than the grants it is judged against, or older than 250 ms; a flood of refusals does not", async () => {
    const company = await createCompany();
    const by = { name: unique("soon") };
    const cache = new VaultMetaCache();
    const none = await cache.get(company.id, by, counted(company.id, by).load, background);
    expect(none.value).toBeNull();
    await createVault(company.ownerKey, by.name);
    // A gate whose grants were read before that copy, a moment later: the copy stands.
    const flood = counted(company.id, by);
    expect((await cache.recheck(company.id, by, none, flood.load, none.loadedAt, none.loadedAt + 1)).value).toBeNull();
    expect(flood.reads).toBe(0);
    // A gate whose grants were read after it (a grant in the new vault): D1 once more.
    const granted = counted(company.id, by);
    expect((await cache.recheck(company.id, by, none, granted.load, none.loadedAt + 1, none.loadedAt + 1)).value?.name).toBe(by.name);
    expect(granted.reads).toBe(1);
    // Any gate, once the copy is 250 ms old.
    const later = counted(company.id, by);
    expect((await cache.recheck(company.id, by, none, later.load, 0, none.loadedAt + VAULT_META_RECHECK_MS)).value?.name).toBe(by.name);
  });

  it("a vault made a moment after another agent's gate found none is admitted on its grantee's first request", async () => {
    const s = await proxySetup();
    const name = unique("later");
    // Another agent of the company asks for a vault that does not exist yet: the isolate now knows "none".
    const missing = await proxyFetch({ ...s, vault: name }, `/r/${requestId()}/x`);
    expect(missing.status).toBe(404);
    await createVault(s.company.ownerKey, name);
    const host = `${unique("api").slice(0, 30)}.example.com`;
    const body = { name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "K" } };
    expect((await call("POST", `/v1/vaults/${name}/services`, { token: s.company.ownerKey, body })).status).toBe(201);
    await call("POST", "/v1/credentials", { token: s.company.ownerKey, body: { vault: name, credentials: { K: "v" } } });
    const grantee = await inviteAgent(s.company.ownerKey, undefined, [{ vault: name, role: "proxy" }]);
    const res = await proxyFetch({ agent: grantee, vault: name, host }, `/r/${requestId()}/x`);
    expect(res.status).toBe(200);
  });
});

describe("a gate's root state outlives its instance, never an invalidation", () => {
  it("a new instance starts from the isolate's copy without D1; after a rotation the old token is refused at once", async () => {
    const s = await proxySetup();
    const send = (token: string) => proxyFetch({ ...s, agent: { token } }, `/r/${requestId()}/x`);
    expect((await send(s.agent.token)).status).toBe(200);
    // An aborted object's stub is broken: each step takes a new one, as the Worker does per request.
    const gate = () => agentGate(s.company.id, s.agent.name);
    const evict = async () => runInDurableObject(await gate(), (_, state) => state.abort("evicted by the test")).catch(() => undefined);

    await evict();
    expect(await (await gate()).lastSeen()).toBeNull(); // a new instance: last-seen is memory only
    const before = d1QueryCount();
    expect((await send(s.agent.token)).status).toBe(200);
    expect(d1QueryCount() - before).toBe(0);

    // Rotation: its invite's redemption ends the old token and invalidates the gate.
    const rotation = await call("POST", `/v1/agents/${s.agent.name}/rotate`, { token: s.company.ownerKey });
    const redeemed = await redeem(rotation.body.invite_url as string);
    expect(redeemed.status).toBe(200);
    await evict();
    expect((await send(s.agent.token)).status).toBe(401);
    expect((await send(redeemed.body.token as string)).status).toBe(200);
  });

  it("disabling an agent whose gate was evicted refuses its next request", async () => {
    const s = await proxySetup();
    expect((await proxyFetch(s, `/r/${requestId()}/x`)).status).toBe(200);
    const gate = await agentGate(s.company.id, s.agent.name);
    await runInDurableObject(gate, (_, state) => state.abort("evicted by the test")).catch(() => undefined);
    // The change's invalidation wakes a new instance, which replaces the epoch the copy was read under.
    expect((await call("PATCH", `/v1/agents/${s.agent.name}`, { token: s.company.ownerKey, body: { status: "disabled" } })).status).toBe(200);
    expect((await proxyFetch(s, `/r/${requestId()}/x`)).status).toBe(401);
  });
});
