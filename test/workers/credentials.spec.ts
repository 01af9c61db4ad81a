import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault } from "./helpers.ts";

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
