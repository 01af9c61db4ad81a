/**
 * The held requests' probes, for the permission, tenant and page matrices (probes.ts and
 * page-probes.ts take them in): each decision works on a fresh request, held for the world's
 * raiser (an agent), so every person may be the one who decides it; each revocation on a fresh
 * time-boxed approval. They are written as the vault's RequestApprovals object writes them: a
 * decision finds D1's row, and the object, told afterwards, holds nothing for them.
 */
import { env } from "cloudflare:test";
import type { Probe } from "./probes.ts";
import type { PageProbe } from "./page-probes.ts";
import type { World } from "./world.ts";

/** The world's `svc`, as a held request records it (a decision checks the version is still the service's). */
async function serviceOf(w: World): Promise<{ id: string; version: number }> {
  const row = await env.DB.prepare("SELECT id, updated_at, created_at FROM services WHERE vault_id = ? AND name = 'svc'")
    .bind(w.vaultId)
    .first<{ id: string; updated_at: number | null; created_at: number }>();
  if (!row) throw new Error("the world has no svc");
  return { id: row.id, version: row.updated_at ?? row.created_at };
}

async function raiserId(w: World): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(w.company.id, w.raiser.name).first<{ id: string }>();
  return row?.id ?? "";
}

/** A request of the raiser's waiting in the world's vault. */
export async function freshHeldRequest(w: World): Promise<string> {
  const [service, agent] = await Promise.all([serviceOf(w), raiserId(w)]);
  const id = `hrq_${crypto.randomUUID().replace(/-/g, "")}`;
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO held_requests (id, company_id, vault_id, service_id, service_name, service_version, method, host, path,
       actor_type, actor_id, root_type, root_id, requested_by, status, created_at, expires_at)
     VALUES (?, ?, ?, ?, 'svc', ?, 'POST', ?, '/deploy', 'agent', ?, 'agent', ?, ?, 'pending', ?, ?)`,
  )
    .bind(
      id,
      w.company.id,
      w.vaultId,
      service.id,
      service.version,
      w.host,
      agent,
      agent,
      JSON.stringify({ kind: "agent", id: agent, name: w.raiser.name }),
      now,
      now + 120_000,
    )
    .run();
  return id;
}

/** A time-boxed approval of the raiser's calls, running for ten minutes. */
export async function freshRelease(w: World): Promise<string> {
  const [service, agent] = await Promise.all([serviceOf(w), raiserId(w)]);
  const id = `rrl_${crypto.randomUUID().replace(/-/g, "")}`;
  const now = Date.now();
  const who = JSON.stringify({ kind: "agent", id: agent, name: w.raiser.name });
  await env.DB.prepare(
    `INSERT INTO request_releases (id, company_id, vault_id, service_id, service_name, method, host, path, root_type, root_id,
       granted_to, held_request_id, approved_by, created_at, expires_at)
     VALUES (?, ?, ?, ?, 'svc', 'POST', ?, '/deploy', 'agent', ?, ?, 'hrq_probe', ?, ?, ?)`,
  )
    .bind(id, w.company.id, w.vaultId, service.id, w.host, agent, who, who, now, now + 600_000)
    .run();
  return id;
}

export const REQUEST_PROBES: Record<string, Probe> = {
  "GET /v1/vaults/{vault}/requests": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/requests?status=pending` }) },
  "GET /v1/requests/{id}": { request: async (w) => ({ method: "GET", path: `/v1/requests/${await freshHeldRequest(w)}` }) },
  "POST /v1/requests/{id}/approve": { request: async (w) => ({ method: "POST", path: `/v1/requests/${await freshHeldRequest(w)}/approve`, body: {} }) },
  "POST /v1/requests/{id}/reject": {
    request: async (w) => ({ method: "POST", path: `/v1/requests/${await freshHeldRequest(w)}/reject`, body: { reason: "probe" } }),
  },
  "GET /v1/vaults/{vault}/request-releases": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/request-releases` }) },
  "DELETE /v1/vaults/{vault}/request-releases/{id}": {
    request: async (w) => ({ method: "DELETE", path: `/v1/vaults/${w.vault}/request-releases/${await freshRelease(w)}` }),
  },
};

export const REQUEST_PAGE_PROBES: Record<string, PageProbe> = {
  "GET /requests/{id}": { request: async (w) => ({ method: "GET", path: `/requests/${await freshHeldRequest(w)}` }) },
  "POST /requests/{id}/approve": {
    request: async (w) => ({ method: "POST", path: `/requests/${await freshHeldRequest(w)}/approve`, fields: { for_seconds: "" } }),
  },
  "POST /requests/{id}/reject": {
    request: async (w) => ({ method: "POST", path: `/requests/${await freshHeldRequest(w)}/reject`, fields: { reason: "page probe" } }),
  },
  "POST /vaults/{vault}/request-releases/{id}/revoke": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/request-releases/${await freshRelease(w)}/revoke` }),
  },
};
