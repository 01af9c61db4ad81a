import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { d1QueryCount } from "../../workers/db/query-counter.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { call, createCompany, createVault, inviteAgent, unique } from "./helpers.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

const SECRET = "sk_live_edgevault_test_secret_value";

/** A vault with one service pointed at the recording upstream, and an agent with proxy role. */
async function setup(auth: Record<string, unknown> = { type: "bearer", token: "STRIPE_KEY" }, credentials: Record<string, string> = { STRIPE_KEY: SECRET }) {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("api").slice(0, 30)}.example.com`;
  const service = await call("POST", `/v1/vaults/${vault}/services`, {
    token: company.ownerKey,
    body: { name: "stripe", host, upstream: upstreamUrl(), description: "Stripe API", auth },
  });
  if (service.status !== 201) throw new Error(`service: ${service.status} ${service.text}`);
  if (Object.keys(credentials).length) await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials } });
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  return { company, vault, host, agent };
}

function proxy(s: { agent: { token: string }; vault: string; host: string }, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return SELF.fetch(`https://edge.test/proxy/${s.host}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault, ...init.headers },
  });
}

describe("/proxy/<host>/<path> (seed 001)", () => {
  it("GET with params arrives with the real credential and without the agent token", async () => {
    const s = await setup();
    const id = requestId();
    const res = await proxy(s, `/r/${id}/v1/charges?limit=10&starting_after=ch_1`, { headers: { "anthropic-version": "2023-06-01", "X-Trace": "abc" } });
    expect(res.status).toBe(200);
    const [got] = await recorded(id);
    expect(got?.method).toBe("GET");
    expect(got?.url).toBe(`/r/${id}/v1/charges?limit=10&starting_after=ch_1`);
    expect(got?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(got?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(got?.headers["x-trace"]).toBe("abc");
    expect(got?.headers["x-vault"]).toBeUndefined();
    expect(JSON.stringify(got)).not.toContain(s.agent.token);
  });

  it("form POST body and content type pass through as-is", async () => {
    const s = await setup();
    const id = requestId();
    const res = await proxy(s, `/r/${id}/v1/charges`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "amount=2000&currency=usd",
    });
    expect(res.status).toBe(200);
    const [got] = await recordedSettled(id);
    expect(got?.method).toBe("POST");
    expect(got?.bodyText).toBe("amount=2000&currency=usd");
    expect(got?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("a warm proxied request makes no D1 query", async () => {
    const s = await setup();
    expect((await proxy(s, `/r/${requestId()}/warm`)).status).toBe(200);
    const before = d1QueryCount();
    const res = await proxy(s, `/r/${requestId()}/hot`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(d1QueryCount() - before).toBe(0);
  });

  it("unknown host → 403 forbidden with proposal_hint; disabled → service_disabled; missing credential → 502 credential_not_found", async () => {
    const s = await setup();
    const unknown = await SELF.fetch(`https://edge.test/proxy/api.unknown-host.com/v1/x`, {
      headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault },
    });
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get("x-edgevault-error")).toBe("forbidden");
    const body = (await unknown.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: "forbidden", proposal_hint: { host: "api.unknown-host.com", endpoint: "POST /v1/proposals" } });
    expect(body.help as string).toContain("/discover");

    // Writes through this isolate drop its cached copy of the vault at once (others within 5 s).
    await call("DELETE", "/v1/credentials", { token: s.company.ownerKey, body: { vault: s.vault, keys: ["STRIPE_KEY"] } });
    const missing = await proxy(s, `/r/${requestId()}/x`);
    expect(missing.status).toBe(502);
    expect(await missing.json()).toMatchObject({ error: "credential_not_found", key: "STRIPE_KEY" });
  });

  it("logs each request without headers, query or body", async () => {
    const s = await setup();
    await (await proxy(s, `/r/${requestId()}/v1/charges?secret_query=1`)).arrayBuffer();
    await flushRequestLog();
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs`, { token: s.company.ownerKey });
    expect(logs.status).toBe(200);
    const entries = logs.body.entries as { path: string; status: number; service: string; method: string }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ service: "stripe", status: 200, method: "GET" });
    expect(logs.text).not.toContain("secret_query");
    expect(logs.text).not.toContain(SECRET);
    void env;
  });
});
