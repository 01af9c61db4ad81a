import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault } from "./helpers.ts";

type Entry = { id: number; action: string; actor_type: string; target_type: string; detail: Record<string, unknown> | null };

describe("audit log", () => {
  it("records who did what to which target, newest first, and pages", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials: { A: "secret-a" } } });
    await call("PATCH", `/v1/vaults/${vault}`, { token: company.ownerKey, body: { unmatched_host_policy: "deny" } });

    const first = await call("GET", "/v1/audit?limit=2", { token: company.ownerKey });
    expect(first.status).toBe(200);
    const entries = first.body.entries as Entry[];
    expect(entries.map((e) => e.action)).toEqual(["vault.update", "credential.set"]);
    expect(entries[0]?.actor_type).toBe("company_key");
    const cursor = first.body.next_cursor as number;
    expect(cursor).toBeTypeOf("number");

    const second = await call("GET", `/v1/audit?limit=2&before=${cursor}`, { token: company.ownerKey });
    expect((second.body.entries as Entry[]).map((e) => e.action)).toEqual(["vault.create", "company.create"]);
    expect(second.body.next_cursor).toBeNull();
    expect(first.text + second.text).not.toContain("secret-a");

    const filtered = await call("GET", "/v1/audit?action=vault.create", { token: company.ownerKey });
    expect((filtered.body.entries as Entry[]).map((e) => e.action)).toEqual(["vault.create"]);
  });

  it("is for owners only and never shows another company's entries", async () => {
    const company = await createCompany();
    const other = await createCompany();
    await createVault(other.ownerKey);
    const member = await createUser(company);
    expect((await call("GET", "/v1/audit", { token: member.token })).status).toBe(403);
    const mine = await call("GET", "/v1/audit", { token: company.ownerKey });
    expect((mine.body.entries as Entry[]).every((e) => e.action !== "vault.create")).toBe(true);
  });
});
