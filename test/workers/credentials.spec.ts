import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { postForm, signInCookie } from "./pages-support.ts";
import { recorded, requestId, upstreamUrl } from "./upstream.ts";

const SECRET = "sk_live_do-not-leak-0123456789";

describe("credentials at rest", () => {
  it("set → names only → delete; the value is never returned or stored in clear", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const set = await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { STRIPE_KEY: SECRET, GITHUB_TOKEN: "ghp_x" } } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ vault, set: ["GITHUB_TOKEN", "STRIPE_KEY"] });

    const list = await call("GET", `/v1/credentials?vault=${vault}`, { token: company.ownerKey });
    expect(list.body).toEqual({ vault, keys: ["GITHUB_TOKEN", "STRIPE_KEY"] });

    const rows = await env.DB.prepare("SELECT * FROM credentials WHERE company_id = ?").bind(company.id).all();
    expect(JSON.stringify(rows.results)).not.toContain(SECRET);
    const audit = await call("GET", "/v1/audit", { token: company.ownerKey });
    expect(audit.text).not.toContain(SECRET);
    expect(audit.text).toContain("STRIPE_KEY");

    const del = await call("DELETE", "/v1/credentials", { token: company.ownerKey, body: { vault, keys: ["STRIPE_KEY", "NOT_THERE"] } });
    expect(del.body).toEqual({ vault, deleted: ["STRIPE_KEY"] });
    expect((await call("GET", `/v1/credentials?vault=${vault}`, { token: company.ownerKey })).body.keys).toEqual(["GITHUB_TOKEN"]);
  });

  it("setting a key again replaces its value (one row)", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { K: "one" } } });
    const before = await env.DB.prepare("SELECT ciphertext FROM credentials WHERE company_id = ?").bind(company.id).first<{ ciphertext: string }>();
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { K: "two" } } });
    const rows = await env.DB.prepare("SELECT ciphertext FROM credentials WHERE company_id = ?").bind(company.id).all<{ ciphertext: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]?.ciphertext).not.toBe(before?.ciphertext);
  });

  it("the vault may be named by the X-Vault header", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const set = await call("POST", "/v1/credentials", { token: company.ownerKey, headers: { "X-Vault": vault }, body: { credentials: { K: "v" } } });
    expect(set.status).toBe(200);
    const list = await call("GET", "/v1/credentials", { token: company.ownerKey, headers: { "X-Vault": vault } });
    expect(list.body.keys).toEqual(["K"]);
    const none = await call("GET", "/v1/credentials", { token: company.ownerKey });
    expect(none.status).toBe(400);
    expect(none.body.error).toBe("vault_required");
  });

  it("refuses bad keys, empty maps and oversize values", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    for (const credentials of [{ lower: "x" }, { "1ABC": "x" }, { "A-B": "x" }, {}, { A: "" }, { A: "x".repeat(64 * 1024 + 1) }]) {
      const res = await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials } });
      expect(res.status, JSON.stringify(credentials).slice(0, 40)).toBe(400);
    }
    const badDelete = await call("DELETE", "/v1/credentials", { token: company.ownerKey, body: { vault, keys: ["lower"] } });
    expect(badDelete.status).toBe(400);
    expect((await call("GET", `/v1/credentials?vault=${vault}`, { token: company.ownerKey })).body.keys).toEqual([]);
  });

  it("a proxy-role user lists names but cannot write; another company's vault is 404", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const vault = await createVault(company.ownerKey);
    const theirs = await createVault(other.ownerKey);
    const proxy = await createUser(company);
    await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: proxy.email, role: "proxy" } });
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { K: "v" } } });
    expect((await call("GET", `/v1/credentials?vault=${vault}`, { token: proxy.token })).body.keys).toEqual(["K"]);
    const write = await call("DELETE", "/v1/credentials", { token: proxy.token, body: { vault, keys: ["K"] } });
    expect(write.status).toBe(403);
    const foreign = await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault: theirs, credentials: { K: "v" } } });
    expect(foreign.status).toBe(404);
    expect((await call("GET", `/v1/credentials?vault=${theirs}`, { token: company.ownerKey })).status).toBe(404);
  });

  it("deleting a vault deletes its credentials", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { K: "v" } } });
    await call("DELETE", `/v1/vaults/${vault}`, { token: company.ownerKey });
    const left = await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE company_id = ?").bind(company.id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("a value for a key an agent pointed somewhere needs a vault admin, however it is typed", () => {
  /** A vault whose COLLECTOR_TOKEN an agent sends to a host of its own choosing, approved by an admin, with its own value. */
  async function agentPointedKey() {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const memberAgent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const admin = await createUser(company);
    const member = await createUser(company);
    for (const [email, role] of [
      [admin.email, "admin"],
      [member.email, "member"],
    ])
      expect((await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email, role } })).status).toBe(200);
    const host = `${unique("collector").slice(0, 30)}.example.com`;
    const raised = await call("POST", "/v1/proposals", {
      token: agent.token,
      headers: { "X-Vault": vault },
      body: {
        services: [{ name: "metrics", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "COLLECTOR_TOKEN" } }],
        credentials: [{ key: "COLLECTOR_TOKEN", value: "agents-own-collector-token" }],
      },
    });
    expect((await call("POST", `/v1/proposals/${raised.body.id as string}/approve`, { token: admin.token, body: {} })).status).toBe(200);
    return { vault, host, agent, memberAgent, admin, member };
  }

  /** What the agent's host receives for COLLECTOR_TOKEN now. */
  async function sentToAgentHost(s: { vault: string; host: string; agent: { token: string } }) {
    const rid = requestId();
    const proxied = await SELF.fetch(`${BASE}/proxy/${s.host}/r/${rid}/ingest`, { headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault } });
    expect(proxied.status).toBe(200);
    return (await recorded(rid))[0]?.headers.authorization;
  }

  it("a member person is refused through the API and the console's form (403 admin_required naming the key and where it goes); nothing is stored", async () => {
    const s = await agentPointedKey();
    const typed = "sk_live_typed_by_a_member";
    const api = await call("POST", "/v1/credentials", { token: s.member.token, body: { vault: s.vault, credentials: { COLLECTOR_TOKEN: typed } } });
    expect(api).toMatchObject({ status: 403, body: { error: "admin_required" } });
    expect(api.body.message).toBe(
      `"COLLECTOR_TOKEN" is sent to ${upstreamUrl()} (service "metrics"), a destination an agent chose: only an admin of the vault can set its value`,
    );
    const form = await postForm(`/vaults/${s.vault}/credentials`, await signInCookie(s.member.email), { key: "COLLECTOR_TOKEN", value: typed });
    expect(form.status).toBe(403);
    expect(form.text).toContain(`a destination an agent chose: only an admin of the vault can set its value`);
    expect(form.text).not.toContain(typed);
    // One key an agent pointed somewhere refuses the whole request: nothing of it is stored.
    const mixed = await call("POST", "/v1/credentials", {
      token: s.member.token,
      body: { vault: s.vault, credentials: { COLLECTOR_TOKEN: typed, OTHER_KEY: "x" } },
    });
    expect(mixed.status).toBe(403);
    expect((await call("GET", `/v1/credentials?vault=${s.vault}`, { token: s.member.token })).body.keys).toEqual(["COLLECTOR_TOKEN"]);
    expect(await sentToAgentHost(s)).toBe("Bearer agents-own-collector-token");
  });

  it("the rule asks only what it must: a member sets keys no agent pointed, an admin sets any, an agent stores its own value", async () => {
    const s = await agentPointedKey();
    const other = await call("POST", "/v1/credentials", { token: s.member.token, body: { vault: s.vault, credentials: { OTHER_KEY: "member-value" } } });
    expect(other).toMatchObject({ status: 200, body: { set: ["OTHER_KEY"] } });
    const byAdmin = await call("POST", "/v1/credentials", { token: s.admin.token, body: { vault: s.vault, credentials: { COLLECTOR_TOKEN: "admin-value" } } });
    expect(byAdmin.status).toBe(200);
    expect(await sentToAgentHost(s)).toBe("Bearer admin-value");
    // An agent typing a value gives away only what it already holds: it is not held to the rule.
    const byAgent = await call("POST", "/v1/credentials", {
      token: s.memberAgent.token,
      body: { vault: s.vault, credentials: { COLLECTOR_TOKEN: "agent-value" } },
    });
    expect(byAgent.status).toBe(200);
    expect(await sentToAgentHost(s)).toBe("Bearer agent-value");
  });
});
