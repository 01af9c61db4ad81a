/**
 * The invariants of docs/security.md about tokens, each as the exploit that once broke it:
 * revocation wins over a gate load already in flight, and a forged or unreadable token is refused
 * before any Durable Object or D1 is touched.
 */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ActorGate } from "../../durable-objects/actor-gate.ts";
import { gateLookupCount } from "../../workers/auth/actor-gate-client.ts";
import { d1QueryCount } from "../../workers/db/query-counter.ts";
import { sha256Hex, TAG_LENGTH } from "../../workers/lib/crypto/tokens.ts";
import { agentGate, BASE, call, createCompany, createUser, createVault, inviteAgent } from "./helpers.ts";

describe("revocation is race-free", () => {
  it("a gate load that started before an invalidation is discarded: the request in flight and the next one are refused", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const row = await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(company.id, agent.name).first<{ id: string }>();
    const actor = { root: { type: "agent" as const, id: row?.id ?? "" } };
    const hash = await sha256Hex(agent.token);
    const stub = await agentGate(company.id, agent.name);
    const verdict = await runInDurableObject(stub, async (instance) => {
      const gate = instance as unknown as ActorGate;
      const realRoot = gate.loaders.root;
      let release!: () => void;
      let started!: () => void;
      const loadStarted = new Promise<void>((resolve) => (started = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      // The first load reads D1 while the agent is still active, then stalls until released.
      gate.loaders.root = async (db, key) => {
        const state = await realRoot(db, key);
        gate.loaders.root = realRoot;
        started();
        await held;
        return state;
      };
      const inFlight = gate.authenticate(actor, hash);
      await loadStarted;
      // The agent is disabled and the gate invalidated while that stale read is still in flight.
      await env.DB.prepare("UPDATE agents SET status = 'disabled' WHERE id = ?").bind(actor.root.id).run();
      await gate.invalidate();
      release();
      return { inFlight: await inFlight, next: await gate.authenticate(actor, hash) };
    });
    expect(verdict.inFlight.ok).toBe(false);
    expect(verdict.next.ok).toBe(false);
    expect((await call("GET", "/v1/whoami", { token: agent.token })).status).toBe(401);
  });
});

describe("forged and unreadable tokens", () => {
  it("a token whose public id is forged is 401 before any Durable Object or D1; an unreadable one is 401 at /proxy and /discover too", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const [kind, publicId = "", ...secret] = agent.token.split("_");
    const tag = publicId.slice(-TAG_LENGTH);
    const forgedTag = tag.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    // Same agent, same secret: only the MAC over the public id is wrong.
    const forged = `${kind}_${publicId.slice(0, -TAG_LENGTH)}${forgedTag}_${secret.join("_")}`;
    // The counters are the isolate's: background work of the setup's requests (waitUntil) may still
    // touch a gate while the forged ones run. A forged token that reached D1 or a gate would do so in
    // every round, so one round in three that touches neither proves it.
    const rounds: { d1: number; gates: number }[] = [];
    for (let round = 0; round < 3 && !rounds.some((r) => r.d1 === 0 && r.gates === 0); round++) {
      const before = { d1: d1QueryCount(), gates: gateLookupCount() };
      for (const path of ["/proxy/api.example.com/x", "/discover", "/v1/whoami"]) {
        const res = await SELF.fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${forged}`, "X-Vault": vault } });
        expect(res.status, path).toBe(401);
        expect(res.headers.get("www-authenticate")).toContain("Bearer");
      }
      rounds.push({ d1: d1QueryCount() - before.d1, gates: gateLookupCount() - before.gates });
    }
    expect(rounds).toContainEqual({ d1: 0, gates: 0 });
    for (const garbage of ["not-a-token", "eva_abc_def", `evs_${"A".repeat(12)}_${"x".repeat(43)}`]) {
      for (const path of ["/proxy/api.example.com/x", "/discover"]) {
        const res = await SELF.fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${garbage}`, "X-Vault": vault } });
        expect(res.status, `${garbage} at ${path}`).toBe(401);
      }
    }
    // A genuine token of a kind that cannot proxy is still told so.
    const person = await createUser(company);
    const asPerson = await SELF.fetch(`${BASE}/proxy/api.example.com/x`, { headers: { Authorization: `Bearer ${person.token}`, "X-Vault": vault } });
    expect(asPerson.status).toBe(403);
    expect(((await asPerson.json()) as { error: string }).error).toBe("agent_token_required");
  });
});
