/** Shared setup for the held-request suites: a service behind per-request approval, its vault's admin, and the request waiting. */
import { env } from "cloudflare:test";
import { call, createUser, type Json } from "./helpers.ts";
import { proxySetup } from "./proxy-support.ts";

export const SECRET = "secret-deploy-token-value";

export type HeldSetup = Awaited<ReturnType<typeof heldSetup>>;

/** A vault whose service `svc` (at the recording upstream) needs a person for every call; a person who is its admin. */
export async function heldSetup(options: { timeoutSeconds?: number; credentials?: Record<string, string> } = {}) {
  const s = await proxySetup({ credentials: options.credentials ?? { API_KEY: SECRET } });
  const approval = { require_approval: true, ...(options.timeoutSeconds ? { approval_timeout_seconds: options.timeoutSeconds } : {}) };
  const patched = await call("PATCH", `/v1/vaults/${s.vault}/services/svc`, { token: s.company.ownerKey, body: approval });
  if (patched.status !== 200) throw new Error(`require_approval: ${patched.status} ${patched.text}`);
  const admin = await createUser(s.company);
  const granted = await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: admin.email, role: "admin" } });
  if (granted.status !== 200) throw new Error(`grant: ${granted.status} ${granted.text}`);
  return { ...s, admin };
}

/**
 * The vault's requests in `status` once there are `count` of them (a held request is listed once
 * its vault's object recorded it, which the caller cannot otherwise observe); fails after 15 s.
 */
export async function heldRequests(s: { vault: string; admin: { token: string } }, status = "pending", count = 1): Promise<Json[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const listed = await call("GET", `/v1/vaults/${s.vault}/requests?status=${status}`, { token: s.admin.token });
    if (listed.status !== 200) throw new Error(`list: ${listed.status} ${listed.text}`);
    const requests = listed.body.requests as Json[];
    if (requests.length >= count) return requests;
    if (Date.now() > deadline) throw new Error(`no ${status} request in vault ${s.vault} after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The one request waiting in the vault. */
export const heldRequest = async (s: { vault: string; admin: { token: string } }) => (await heldRequests(s))[0] as Json & { id: string };

/** The vault's RequestApprovals object, e.g. to evict it. */
export async function approvalsObject(companyId: string, vault: string) {
  const row = await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(companyId, vault).first<{ id: string }>();
  if (!row) throw new Error(`no vault ${vault}`);
  return env.REQUEST_APPROVALS.getByName(`vault:${companyId}:${row.id}`);
}
