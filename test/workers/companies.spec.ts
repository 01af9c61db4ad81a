import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, unique } from "./helpers.ts";

describe("POST /v1/companies (platform operator)", () => {
  it("creates a company and returns its first owner API key once", async () => {
    const id = unique("acme");
    const res = await call("POST", "/v1/companies", { token: env.PLATFORM_TOKEN, body: { id, name: "Acme" } });
    expect(res.status).toBe(201);
    expect(res.body.company).toMatchObject({ id, name: "Acme", signing_alg: "EdDSA" });
    const key = res.body.api_key as { token: string; prefix: string };
    expect(key.token.startsWith(key.prefix)).toBe(true);
    const who = await call("GET", "/v1/whoami", { token: key.token });
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ kind: "company_key", company: { id }, company_role: "owner" });
    // Every company starts with a vault named `default`, as Agent Vault does.
    const vaults = await call("GET", "/v1/vaults", { token: key.token });
    expect((vaults.body.vaults as { name: string }[]).map((v) => v.name)).toEqual(["default"]);
  });

  it("stores only the SHA-256 of the key", async () => {
    const company = await createCompany();
    const rows = await env.DB.prepare("SELECT token_hash FROM api_keys WHERE company_id = ?").bind(company.id).all<{ token_hash: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const dump = JSON.stringify(await env.DB.prepare("SELECT * FROM api_keys WHERE company_id = ?").bind(company.id).all());
    expect(dump).not.toContain(company.ownerKey);
  });

  it("refuses callers without the platform token", async () => {
    const company = await createCompany();
    for (const token of [undefined, "wrong", company.ownerKey]) {
      const res = await call("POST", "/v1/companies", { token, body: { id: unique("x"), name: "X" } });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("unauthorized");
    }
  });

  it("answers 409 for an existing id and 400 for a bad one", async () => {
    const company = await createCompany();
    const dup = await call("POST", "/v1/companies", { token: env.PLATFORM_TOKEN, body: { id: company.id, name: "Again" } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("company_exists");
    for (const id of ["Upper", "-lead", "has space", "a".repeat(65), "per%cent"]) {
      const bad = await call("POST", "/v1/companies", { token: env.PLATFORM_TOKEN, body: { id, name: "X" } });
      expect(bad.status, id).toBe(400);
      expect(bad.body.error).toBe("invalid_request");
    }
  });
});

describe("company API keys", () => {
  it("create (shown once), list (prefix and label only), revoke", async () => {
    const company = await createCompany();
    const created = await call("POST", "/v1/api-keys", { token: company.ownerKey, body: { label: "ci" } });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect((await call("GET", "/v1/whoami", { token })).status).toBe(200);

    const list = await call("GET", "/v1/api-keys", { token: company.ownerKey });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(token);
    const labels = (list.body.api_keys as { label: string; prefix: string }[]).map((k) => k.label).sort();
    expect(labels).toEqual(["ci", "owner"]);

    const revoked = await call("DELETE", `/v1/api-keys/${created.body.id as string}`, { token: company.ownerKey });
    expect(revoked.status).toBe(200);
    const after = await call("GET", "/v1/whoami", { token });
    expect(after.status).toBe(401);
  });

  it("members cannot manage keys; another company's key id answers 404", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const member = await createUser(company, "member");
    expect((await call("GET", "/v1/api-keys", { token: member.token })).status).toBe(403);
    expect((await call("POST", "/v1/api-keys", { token: member.token, body: { label: "x" } })).body.error).toBe("forbidden");
    const theirs = await call("GET", "/v1/api-keys", { token: other.ownerKey });
    const theirId = (theirs.body.api_keys as { id: string }[])[0]?.id ?? "";
    const res = await call("DELETE", `/v1/api-keys/${theirId}`, { token: company.ownerKey });
    expect(res.status).toBe(404);
    expect((await call("GET", "/v1/whoami", { token: other.ownerKey })).status).toBe(200);
  });

  it("refuses to revoke the company's last owner credential", async () => {
    const company = await createCompany();
    const list = await call("GET", "/v1/api-keys", { token: company.ownerKey });
    const id = (list.body.api_keys as { id: string }[])[0]?.id ?? "";
    const res = await call("DELETE", `/v1/api-keys/${id}`, { token: company.ownerKey });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("last_owner_credential");
  });
});
