import { createExecutionContext, env, runDurableObjectAlarm, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/index.ts";
import { flushRequestLog } from "../../workers/request-log/request-log.writer.ts";
import { agentGate, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { proxyFetch, proxySetup } from "./proxy-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

type ErrorBody = { error: string; message: string } & Record<string, unknown>;
const errorOf = async (res: Response) => ({ status: res.status, marked: res.headers.get("x-edgevault-error"), body: (await res.json()) as ErrorBody });

afterEach(() => vi.restoreAllMocks());

describe("proxy errors as the seeds define them", () => {
  it("401 for a missing, wrong or revoked token", async () => {
    const s = await proxySetup();
    const none = await SELF.fetch(`https://edge.test/proxy/${s.host}/x`, { headers: { "X-Vault": s.vault } });
    expect((await errorOf(none)).status).toBe(401);
    const wrong = await errorOf(await proxyFetch({ ...s, agent: { token: `${s.agent.token.slice(0, -2)}xx` } }, "/x"));
    expect(wrong).toMatchObject({ status: 401, marked: "unauthorized" });
    await call("DELETE", `/v1/agents/${s.agent.name}`, { token: s.company.ownerKey });
    expect((await errorOf(await proxyFetch(s, "/x"))).status).toBe(401);
  });

  it("X-Vault: missing 400, unknown 404, no grant 403", async () => {
    const s = await proxySetup();
    const other = await createVault(s.company.ownerKey);
    const missing = await SELF.fetch(`https://edge.test/proxy/${s.host}/x`, { headers: { Authorization: `Bearer ${s.agent.token}` } });
    expect(await errorOf(missing)).toMatchObject({ status: 400, body: { error: "vault_required" } });
    expect((await errorOf(await proxyFetch({ ...s, vault: "no-such-vault" }, "/x"))).status).toBe(404);
    expect(await errorOf(await proxyFetch({ ...s, vault: other }, "/x"))).toMatchObject({ status: 403, body: { error: "forbidden" } });
  });

  it("403 forbidden with a proposal_hint for a host without a service: the edge is not an open proxy, whatever the policy", async () => {
    const s = await proxySetup();
    await call("PATCH", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey, body: { unmatched_host_policy: "passthrough" } });
    const res = await errorOf(await proxyFetch(s, "/v1/x", {}, "api.not-configured.com"));
    expect(res).toMatchObject({
      status: 403,
      marked: "forbidden",
      body: { error: "forbidden", proposal_hint: { host: "api.not-configured.com", endpoint: "POST /v1/proposals" } },
    });
    expect(res.body.message).toBe(`No broker service matching host "api.not-configured.com" in vault "${s.vault}"`);
    expect((res.body.proposal_hint as { supported_auth_types: string[] }).supported_auth_types).toEqual([
      "bearer",
      "basic",
      "api-key",
      "custom",
      "passthrough",
      "oauth",
    ]);
    expect(res.body.help as string).toContain("GET https://edge.test/discover");
  });

  it("403 service_disabled", async () => {
    const s = await proxySetup();
    await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { enabled: false } });
    expect(await errorOf(await proxyFetch(s, "/x"))).toMatchObject({ status: 403, marked: "service_disabled", body: { error: "service_disabled" } });
  });

  it("502 credential_not_found names the missing key", async () => {
    const s = await proxySetup({ credentials: {} });
    expect(await errorOf(await proxyFetch(s, "/x"))).toMatchObject({ status: 502, body: { error: "credential_not_found", key: "API_KEY" } });
  });

  it("502 upstream_unreachable and 504 upstream_timeout", async () => {
    const closed = await proxySetup({ upstream: "http://127.0.0.1:9" });
    expect(await errorOf(await proxyFetch(closed, "/x"))).toMatchObject({ status: 502, marked: "upstream_unreachable" });
    const s = await proxySetup();
    expect(await errorOf(await proxyFetch(s, `/r/${requestId()}/hang`))).toMatchObject({ status: 504, body: { error: "upstream_timeout" } });
  });

  it("API keys and user sessions are not proxy tokens", async () => {
    const s = await proxySetup();
    const user = await createUser(s.company, "owner");
    for (const token of [s.company.ownerKey, user.token]) {
      expect(await errorOf(await proxyFetch({ ...s, agent: { token } }, "/x"))).toMatchObject({ status: 403, body: { error: "agent_token_required" } });
    }
  });

  // `npm start` seeds its owner key (`$EDGEVAULT_DEV_OWNER_KEY`, any string in dev) as an api_keys row by its hash.
  it("the dev owner key is an API key at the proxy too: 403 agent_token_required, while a string no company holds stays 401", async () => {
    const s = await proxySetup();
    const devKey = `my-dev-owner-key-${unique("k")}`;
    const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(devKey)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    await env.DB.prepare(
      "INSERT INTO api_keys(id, company_id, label, prefix, token_hash, created_by, created_at) VALUES (?, ?, 'dev owner', ?, ?, 'npm start', ?)",
    )
      .bind(`key_${hash.slice(0, 18)}`, s.company.id, devKey.slice(0, 12), hash, Date.now())
      .run();
    expect((await call("GET", "/v1/vaults", { token: devKey })).status).toBe(200);
    const asKey = await errorOf(await proxyFetch({ ...s, agent: { token: devKey } }, "/x"));
    expect(asKey).toMatchObject({ status: 403, marked: "agent_token_required", body: { error: "agent_token_required" } });
    const nobodys = await errorOf(await proxyFetch({ ...s, agent: { token: `${devKey}-not-seeded` } }, "/x"));
    expect(nobodys).toMatchObject({ status: 401, marked: "unauthorized" });
    // Everywhere else too: /discover and the agent channel answer it as they answer a minted key.
    for (const path of ["/discover", "/v1/agents/channel"]) {
      const [dev, minted] = [await call("GET", path, { token: devKey }), await call("GET", path, { token: s.company.ownerKey })];
      expect([dev.status, dev.body.error], path).toEqual([minted.status, minted.body.error]);
    }
  });

  // Local dev (ALLOW_PRIVATE_UPSTREAMS=true, as this suite runs) admits canonical loopback and
  // single labels, which then match no service; every other private spelling is forbidden_host.
  // Production rules: proxy-ssrf.spec.ts.
  const DEV_TARGETS: [target: string, status: number, code: string][] = [
    ["10.0.0.1", 403, "forbidden_host"],
    ["169.254.169.254", 403, "forbidden_host"],
    ["2130706433", 403, "forbidden_host"],
    ["0x7f000001", 403, "forbidden_host"],
    ["0x7f.1", 403, "forbidden_host"],
    ["0177.0.0.1", 403, "forbidden_host"],
    ["127.1", 403, "forbidden_host"],
    ["100.64.0.1", 403, "forbidden_host"],
    ["192.168.1.1", 403, "forbidden_host"],
    ["172.16.0.1", 403, "forbidden_host"],
    ["0.0.0.0", 403, "forbidden_host"],
    ["[fc00::1]", 403, "forbidden_host"],
    ["[fe80::1]", 403, "forbidden_host"],
    ["[::ffff:127.0.0.1]", 403, "forbidden_host"],
    ["[64:ff9b::7f00:1]", 403, "forbidden_host"],
    ["[2002:7f00:1::]", 403, "forbidden_host"],
    ["224.0.0.1", 403, "forbidden_host"],
    ["8.8.8.8", 403, "forbidden_host"],
    ["metadata", 403, "forbidden_host"],
    ["metadata.google.internal", 403, "forbidden_host"],
    ["foo.internal", 403, "forbidden_host"],
    ["printer.local", 403, "forbidden_host"],
    ["[::1]", 403, "forbidden"],
    ["127.0.0.1", 403, "forbidden"],
    ["localhost", 403, "forbidden"],
    ["intranet", 403, "forbidden"],
    ["localhost.", 400, "invalid_host"],
    ["example.com.", 400, "invalid_host"],
    ["a@b.example.com", 400, "invalid_host"],
    ["evil.com%40127.0.0.1", 400, "invalid_host"],
    ["exa%6dple.com", 400, "invalid_host"],
    ["api.example.com%2F..", 400, "invalid_path"],
  ];

  it("each refused target answers its own code and never reaches fetch: IP spellings, internal names, userinfo, trailing dots, encodings", async () => {
    const s = await proxySetup();
    const spy = vi.spyOn(globalThis, "fetch");
    const answers: [string, number, string | null][] = [];
    for (const [target] of DEV_TARGETS) {
      const res = await proxyFetch(s, "/x", {}, target);
      const body = (await res.json()) as ErrorBody;
      expect(res.headers.get("x-edgevault-error"), target).toBe(body.error);
      answers.push([target, res.status, body.error]);
    }
    expect(answers).toEqual(DEV_TARGETS);
    expect(spy).not.toHaveBeenCalled();
  });

  it("denials are visible to admins in the request log", async () => {
    const s = await proxySetup();
    await proxyFetch(s, "/x", {}, "api.not-configured.com");
    await flushRequestLog();
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs?denied=true`, { token: s.company.ownerKey });
    expect((logs.body.entries as { denial: string; status: number }[])[0]).toMatchObject({ denial: "forbidden", status: 403 });
    const member = await createUser(s.company);
    await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: member.email, role: "member" } });
    expect((await call("GET", `/v1/vaults/${s.vault}/logs`, { token: member.token })).status).toBe(403);
  });
});

describe("dot segments never reach the upstream", () => {
  /**
   * A request whose URL reads exactly as sent, handed straight to the Worker: what the edge
   * gets where nothing normalised the request target first (workerd and Cloudflare's URL
   * normalisation usually do; a zone can turn the latter off). `new Request()` would resolve
   * `%2e%2e` itself, so the URL is set on the instance.
   */
  async function sendRaw(url: string, headers: Record<string, string>) {
    const request = new Request("https://edge.test/", { headers });
    Object.defineProperty(request, "url", { value: url });
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, env, ctx);
    const body = (await response.json()) as ErrorBody;
    await waitOnExecutionContext(ctx);
    return { status: response.status, body };
  }

  // [path after the host, whether URL-standard clients (fetch, browsers) resolve it before sending]
  const cases: [string, boolean][] = [
    ["/api/..;/admin", false],
    ["/api/.;x/admin", false],
    ["/api/%2E%2e;/admin", false],
    ["/api/%2e%2e%3b/admin", false],
    ["/api/..;x=1/admin", false],
    ["/api/..%5cadmin", false],
    ["/api/%5c..%5c/admin", false],
    ["/api/%252e%252e/admin", false],
    ["/api/%2e%2e/admin", true],
    ["/api/.%2e/admin", true],
    ["/api/%2e./admin", true],
    ["/api/..\\admin", true],
    ["/api/../admin", true],
  ];

  it("every spelling of '.'/'..' is 400 invalid_path (or, once a client resolved it, outside the service), and the upstream receives nothing", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const host = `${unique("api").slice(0, 30)}.example.com`;
    // The service covers /api only: a dot segment the upstream resolves would escape it.
    const service = await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "api-only", host: `${host}/api/*`, upstream: upstreamUrl(), auth: { type: "bearer", token: "API_KEY" } },
    });
    expect(service.status).toBe(201);
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { API_KEY: "secret-api-key-value" } } });
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const headersFor = (id: string) => ({ Authorization: `Bearer ${agent.token}`, "X-Vault": vault, "x-test-id": id });

    // The recording works for this service: a plain path under /api arrives.
    const control = requestId();
    expect((await SELF.fetch(`https://edge.test/proxy/${host}/api/ok`, { headers: headersFor(control) })).status).toBe(200);
    expect((await recorded(control)).map((r) => r.url)).toEqual(["/api/ok"]);

    for (const [path, resolvedByClients] of cases) {
      const url = `https://edge.test/proxy/${host}${path}`;
      expect(new URL(url).pathname.startsWith(`/proxy/${host}/api/`), path).toBe(!resolvedByClients);
      const id = requestId();
      const raw = await sendRaw(url, headersFor(id));
      expect(raw, path).toMatchObject({ status: 400, body: { error: "invalid_path" } });
      const sent = await SELF.fetch(url, { headers: headersFor(id) });
      const body = (await sent.json()) as ErrorBody;
      if (resolvedByClients) expect({ status: sent.status, error: body.error }, path).toEqual({ status: 403, error: "forbidden" });
      else expect({ status: sent.status, error: body.error }, path).toEqual({ status: 400, error: "invalid_path" });
      expect(await recorded(id), path).toEqual([]);
    }
  });
});

describe("rate limits in the agent's Durable Object", () => {
  it("under concurrent load exactly the budget is admitted; 429 carries Retry-After and X-RateLimit-*", async () => {
    const s = await proxySetup();
    const set = await call("PATCH", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey, body: { rate_limit: { burst: 7, rate_per_second: 0.01 } } });
    expect(set.body.vault).toMatchObject({ rate_limit: { burst: 7, rate_per_second: 0.01 } });
    // 200 at once: the gate admits exactly the burst, however the requests interleave.
    const results = await Promise.all(Array.from({ length: 200 }, () => proxyFetch(s, `/r/${requestId()}/x`)));
    await Promise.all(results.map((r) => r.clone().arrayBuffer()));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(7);
    expect(statuses.filter((x) => x === 429)).toHaveLength(193);
    const denied = results.find((r) => r.status === 429)!;
    expect(Number(denied.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(denied.headers.get("x-ratelimit-limit")).toBe("7");
    expect(denied.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await denied.json()).toMatchObject({ error: "too_many_requests" });
    // Refusals are counted by the gate and written as one row with a count, so a flood cannot fill D1.
    expect(await runDurableObjectAlarm(await agentGate(s.company.id, s.agent.name))).toBe(true);
    const logs = await call("GET", `/v1/vaults/${s.vault}/logs?status=429`, { token: s.company.ownerKey });
    expect(logs.body.entries).toMatchObject([{ status: 429, denial: "rate_limited", count: 193, actor_type: "agent" }]);
  });

  it("an agent's own override beats the vault's; the budget is per (agent, vault)", async () => {
    const s = await proxySetup();
    await call("PATCH", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey, body: { rate_limit: { burst: 10, rate_per_second: 0.01 } } });
    await call("PATCH", `/v1/agents/${s.agent.name}`, { token: s.company.ownerKey, body: { rate_limit: { burst: 2 } } });
    const mine = await Promise.all(Array.from({ length: 5 }, () => proxyFetch(s, `/r/${requestId()}/x`)));
    expect(mine.filter((r) => r.status === 200)).toHaveLength(2);
    const other = await inviteAgent(s.company.ownerKey, undefined, [{ vault: s.vault, role: "proxy" }]);
    const theirs = await Promise.all(Array.from({ length: 12 }, () => proxyFetch({ ...s, agent: other }, `/r/${requestId()}/x`)));
    expect(theirs.filter((r) => r.status === 200)).toHaveLength(10);
  });

  it("in-flight requests are limited and the slot frees when the response ends", async () => {
    const s = await proxySetup();
    await call("PATCH", `/v1/vaults/${s.vault}`, { token: s.company.ownerKey, body: { rate_limit: { max_concurrent: 2 } } });
    const slow = await Promise.all(Array.from({ length: 5 }, () => proxyFetch(s, `/r/${requestId()}/slow/1000`)));
    expect(slow.filter((r) => r.status === 200)).toHaveLength(2);
    await Promise.all(slow.map((r) => r.arrayBuffer()));
    // The slots are released after the bodies end (waitUntil): the next requests are admitted.
    const later = await proxyFetch(s, `/r/${requestId()}/x`);
    expect(later.status).toBe(200);
  });
});
