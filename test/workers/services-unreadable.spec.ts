/**
 * A service row this edge no longer reads — a host saved before a rule that now refuses it, such
 * as a wildcard over a public suffix (`*.github.io`, before the Public Suffix List check) — is
 * left out by the proxy and the list, and every read of it answers 404 `service_not_found`
 * saying why, never a 500. It can still be given a valid host, or deleted.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault } from "./helpers.ts";
import { getPage, signInCookie } from "./pages-support.ts";

/** Stores a service with `host` straight in D1, as an older edge would have. */
async function storedDirectly(companyId: string, vault: string, name: string, host: string) {
  const vaultRow = await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(companyId, vault).first<{ id: string }>();
  await env.DB.prepare("INSERT INTO services (id, company_id, vault_id, name, host, auth, enabled, position, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, 5, ?)")
    .bind(`svc_${name}_${Date.now()}`, companyId, vaultRow?.id ?? "", name, host, JSON.stringify({ type: "bearer", token: "PAGES_TOKEN" }), Date.now())
    .run();
}

const auditCount = async (companyId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE company_id = ? AND action LIKE 'service.%'").bind(companyId).first<{ n: number }>())?.n;

describe("a stored service the edge no longer reads is never a 500", () => {
  it("the API's read answers 404 service_not_found saying why, the list leaves it out, and the console's page is 404 too", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await storedDirectly(company.id, vault, "pages", "*.github.io");
    const readable = await call("POST", `/v1/vaults/${vault}/services`, {
      token: company.ownerKey,
      body: { name: "api", host: "api.example.com", auth: { type: "bearer", token: "API_KEY" } },
    });
    expect(readable.status).toBe(201);

    const read = await call("GET", `/v1/vaults/${vault}/services/pages`, { token: company.ownerKey });
    expect(read).toMatchObject({ status: 404, body: { error: "service_not_found" } });
    expect(read.body.message).toBe(
      'Service "pages" is stored with a host or auth this edge no longer accepts (host "*.github.io"): agents are refused it; give it a valid host or delete it',
    );
    const list = await call("GET", `/v1/vaults/${vault}/services`, { token: company.ownerKey });
    expect((list.body.services as { name: string }[]).map((s) => s.name)).toEqual(["api"]);

    const owner = await createUser(company, "owner");
    const page = await getPage(`/vaults/${vault}/services/pages`, await signInCookie(owner.email));
    expect(page.status).toBe(404);
    expect(page.text).toContain("no longer accepts");
  });

  it("an edit that leaves it unreadable is refused before anything is written; one that gives it a valid host mends it; it can be deleted", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await storedDirectly(company.id, vault, "pages", "*.github.io");
    await storedDirectly(company.id, vault, "old", "*.co.uk");

    const disabled = await call("PATCH", `/v1/vaults/${vault}/services/pages`, { token: company.ownerKey, body: { enabled: false } });
    expect(disabled).toMatchObject({ status: 404, body: { error: "service_not_found" } });
    const row = await env.DB.prepare("SELECT enabled FROM services WHERE company_id = ? AND name = 'pages'").bind(company.id).first<{ enabled: number }>();
    expect(row?.enabled).toBe(1);
    expect(await auditCount(company.id)).toBe(0);

    const mended = await call("PATCH", `/v1/vaults/${vault}/services/pages`, { token: company.ownerKey, body: { host: "docs.example.com" } });
    expect(mended).toMatchObject({ status: 200, body: { service: { name: "pages", host: "docs.example.com", position: 5 } } });
    expect((await call("GET", `/v1/vaults/${vault}/services/pages`, { token: company.ownerKey })).status).toBe(200);

    expect(await call("DELETE", `/v1/vaults/${vault}/services/old`, { token: company.ownerKey })).toMatchObject({ status: 200, body: { deleted: "old" } });
    expect(await auditCount(company.id)).toBe(2);
  });
});
