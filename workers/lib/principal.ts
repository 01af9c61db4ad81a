/** Who is calling: resolved once per request by the authenticate middleware. */
import type { VaultRole } from "../db/schema.ts";

export type CompanyRole = "owner" | "member";

export type Principal =
  | { kind: "company_key"; companyId: string; id: string; companyRole: "owner" }
  | { kind: "user"; companyId: string; id: string; sessionId: string; companyRole: CompanyRole; email: string; viaCookie: boolean }
  | { kind: "agent"; companyId: string; id: string; tokenId: string; companyRole: CompanyRole; name: string }
  | { kind: "vault_session"; companyId: string; id: string; vaultId: string; companyRole: "member"; role: VaultRole };

export type PrincipalKind = Principal["kind"];

/** The actor recorded in audit and request logs. */
export function actorOf(principal: Principal): { actorType: string; actorId: string } {
  return { actorType: principal.kind, actorId: principal.id };
}

const VAULT_ROLE_RANK: Record<VaultRole, number> = { proxy: 1, member: 2, admin: 3 };

export function roleAtLeast(role: VaultRole | undefined, minimum: VaultRole): boolean {
  return role !== undefined && VAULT_ROLE_RANK[role] >= VAULT_ROLE_RANK[minimum];
}
