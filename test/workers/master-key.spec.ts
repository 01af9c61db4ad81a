import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../workers/app.ts";
import { BASE, createCompany, createVault } from "./helpers.ts";

const V2 = "v2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";

/** Calls the app with a different MASTER_KEYS, as after a deploy that changed the secret. */
async function callWithKeys(masterKeys: string, method: string, path: string, token: string, body?: unknown) {
  const app = buildApp();
  const ctx = createExecutionContext();
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, MASTER_KEYS: masterKeys }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("master-key rotation", () => {
  it("re-wraps data keys without touching credentials; the old master key can then be dropped", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const v1Only = env.MASTER_KEYS;
    expect((await callWithKeys(v1Only, "POST", "/v1/credentials", company.ownerKey, { vault, credentials: { K: "value" } })).status).toBe(200);
    const before = await env.DB.prepare("SELECT ciphertext FROM credentials WHERE company_id = ?").bind(company.id).first<{ ciphertext: string }>();

    const both = `${v1Only},${V2}`;
    const denied = await callWithKeys(both, "POST", "/v1/platform/master-key/rotate", company.ownerKey);
    expect(denied.status).toBe(401);
    const rotated = await callWithKeys(both, "POST", "/v1/platform/master-key/rotate", env.PLATFORM_TOKEN);
    expect(rotated.status).toBe(200);
    // This file's database holds one company with a data key: this one.
    expect(rotated.body).toEqual({ current_version: 2, rewrapped: 1, remaining: 0 });

    const company_row = await env.DB.prepare("SELECT data_key_version FROM companies WHERE id = ?").bind(company.id).first<{ data_key_version: number }>();
    expect(company_row?.data_key_version).toBe(2);
    const after = await env.DB.prepare("SELECT ciphertext FROM credentials WHERE company_id = ?").bind(company.id).first<{ ciphertext: string }>();
    expect(after?.ciphertext).toBe(before?.ciphertext);

    // With only v2 configured, new credentials still encrypt under the (re-wrapped) data key.
    const v2Only = await callWithKeys(V2, "POST", "/v1/credentials", company.ownerKey, { vault, credentials: { K2: "value2" } });
    expect(v2Only.status).toBe(200);
    const again = await callWithKeys(both, "POST", "/v1/platform/master-key/rotate", env.PLATFORM_TOKEN);
    expect(again.body).toMatchObject({ remaining: 0 });
  });
});
