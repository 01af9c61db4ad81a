/**
 * The services API carries the per-request rules: their defaults, a round trip, a PATCH that
 * changes only what it names, and an audit trail that names keys and placeholders, never values.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createVault, unique } from "./helpers.ts";
import { lastAudit } from "./pages-console-support.ts";

async function vaultWithService(body: Record<string, unknown> = {}) {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("rules").slice(0, 30)}.example.com`;
  const created = await call("POST", `/v1/vaults/${vault}/services`, {
    token: company.ownerKey,
    body: { name: "svc", host, auth: { type: "bearer", token: "API_KEY" }, ...body },
  });
  return { company, vault, host, created };
}

describe("a service's rules through the services API", () => {
  it("absent, they are the defaults: no substitutions, every method, redaction on", async () => {
    const { created } = await vaultWithService();
    expect(created.status).toBe(201);
    expect(created.body.service).toMatchObject({ substitutions: [], methods: null, redact_response: true, credential_keys: ["API_KEY"] });
  });

  it("written, they come back normalized (surfaces filled and ordered, methods in the proxy's order); their keys are the service's", async () => {
    const { created } = await vaultWithService({
      substitutions: [
        { key: "TW_SID", placeholder: "__sid__" },
        { key: "TENANT", placeholder: "x-tenant.id", in: ["header", "query"] },
      ],
      methods: ["HEAD", "GET"],
      redact_response: false,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.service).toMatchObject({
      substitutions: [
        { key: "TW_SID", placeholder: "__sid__", in: ["path", "query"] },
        { key: "TENANT", placeholder: "x-tenant.id", in: ["query", "header"] },
      ],
      methods: ["GET", "HEAD"],
      redact_response: false,
      credential_keys: ["API_KEY", "TW_SID", "TENANT"],
    });
  });

  it("a PATCH changes only the rules it names; the audit row names keys, placeholders and methods, never a value", async () => {
    const s = await vaultWithService({ methods: ["GET"] });
    await call("POST", "/v1/credentials", { token: s.company.ownerKey, body: { vault: s.vault, credentials: { TW_SID: "AC-very-secret-sid-value" } } });
    const patched = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, {
      token: s.company.ownerKey,
      body: { substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.service).toMatchObject({ methods: ["GET"], redact_response: true, substitutions: [{ key: "TW_SID", in: ["path"] }] });
    const audit = await lastAudit(s.company.id, "service.update");
    expect(JSON.parse(audit?.detail ?? "{}")).toMatchObject({
      changed: ["substitutions"],
      substitutions: [{ key: "TW_SID", placeholder: "__sid__", in: ["path"] }],
    });
    expect(audit?.detail).not.toContain("AC-very-secret-sid-value");
    // The same rules again change nothing: no write, no audit row.
    const again = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: { methods: ["GET"], redact_response: true } });
    expect(again.status).toBe(200);
    expect(again.body.service).toMatchObject({ updated_at: (patched.body.service as { updated_at: string }).updated_at });
    expect((await lastAudit(s.company.id, "service.update"))?.detail).toBe(audit?.detail);
  });
});
