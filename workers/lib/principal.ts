/** Who is calling: resolved once per request by the authorization gate (auth/gate.ts). */

/** Roles in a vault, weakest first: proxy < member < admin (vaults.contract.ts and db/schema.ts use this list). */
export const VAULT_ROLES = ["proxy", "member", "admin"] as const;
export type VaultRole = (typeof VAULT_ROLES)[number];

export type CompanyRole = "owner" | "member";

export type RootType = "agent" | "user" | "company_key";
/** A principal whose own state decides everything delegated from it (its ActorGate's key). */
export type RootKey = { type: RootType; id: string };

export type Principal =
  | { kind: "company_key"; companyId: string; id: string; companyRole: "owner" }
  | { kind: "user"; companyId: string; id: string; sessionId: string; sessionExpiresAt: number; companyRole: CompanyRole; email: string; viaCookie: boolean }
  | { kind: "agent"; companyId: string; id: string; tokenId: string; companyRole: CompanyRole; name: string; grants?: Record<string, VaultRole> }
  | { kind: "vault_session"; companyId: string; id: string; vaultId: string; companyRole: "member"; role: VaultRole; mintedBy: RootKey };

export type PrincipalKind = Principal["kind"];

/** The actor recorded in audit and request logs. */
export function actorOf(principal: Principal): { actorType: string; actorId: string } {
  return { actorType: principal.kind, actorId: principal.id };
}

/**
 * The principal behind a caller: a session's minter, else the caller itself. Delegation never
 * separates the two, so "nobody decides what they raised" compares roots.
 */
export function rootOf(principal: Principal): RootKey {
  if (principal.kind === "vault_session") return principal.mintedBy;
  return { type: principal.kind, id: principal.id };
}

/**
 * The credential a principal presented, which a session it mints is bound to: rotating that agent
 * token, signing out of that session or revoking that key ends the session too.
 */
export function mintingCredentialOf(principal: Principal): string | undefined {
  if (principal.kind === "user") return principal.sessionId;
  if (principal.kind === "company_key") return principal.id;
  if (principal.kind === "agent") return principal.tokenId;
  return undefined;
}

const VAULT_ROLE_RANK: Record<VaultRole, number> = { proxy: 1, member: 2, admin: 3 };

export function roleAtLeast(role: VaultRole | undefined, minimum: VaultRole): boolean {
  return role !== undefined && VAULT_ROLE_RANK[role] >= VAULT_ROLE_RANK[minimum];
}

export function lesserRole(a: VaultRole, b: VaultRole): VaultRole {
  return VAULT_ROLE_RANK[a] <= VAULT_ROLE_RANK[b] ? a : b;
}
