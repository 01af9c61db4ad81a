/**
 * Reaching a vault's RequestApprovals object (durable-objects/request-approvals.ts) from the
 * Worker: one per vault, named by its company and id, so the proxy, the deciding actions and the
 * console all find the same one without a lookup.
 */
import type { Env } from "../env.ts";

export function requestApprovals(env: Env, companyId: string, vaultId: string) {
  return env.REQUEST_APPROVALS.getByName(`vault:${companyId}:${vaultId}`);
}
