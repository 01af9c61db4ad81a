/** Proposal rows: reads, and the change that raises one. Decisions are built in decide.ts. */
import { and, desc, eq, inArray } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { credentials, proposals, services, vaults } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import type { CurrentService } from "./impact.ts";
import type { ProposalRow } from "./proposal-rows.ts";
import type { ProposalStatus } from "./proposal-view.ts";

export function raiseChange(db: Database, principal: Principal, row: ProposalRow, vaultName: string) {
  const detail = {
    vault: vaultName,
    services: (row.services as { name: string }[]).map((s) => s.name),
    credentials: (row.credentials as { key: string }[]).map((s) => s.key),
  };
  return change([
    db.insert(proposals).values(row),
    auditStatement(db, principal, { action: "proposal.raise", targetType: "proposal", targetId: row.id, detail }),
  ] as const);
}

/** A proposal of the company with its vault's name. */
export async function findProposal(db: Database, companyId: string, id: string): Promise<{ row: ProposalRow; vaultName: string } | undefined> {
  return db
    .select({ row: proposals, vaultName: vaults.name })
    .from(proposals)
    .innerJoin(vaults, eq(vaults.id, proposals.vaultId))
    .where(and(eq(proposals.id, id), eq(proposals.companyId, companyId)))
    .get();
}

/** A vault's proposals, newest first; `raisedBy` narrows to what one caller raised. */
export async function listProposals(
  db: Database,
  vault: { id: string; companyId: string },
  options: { status?: ProposalStatus; limit: number; raisedBy?: { type: string; id: string } },
): Promise<ProposalRow[]> {
  return db
    .select()
    .from(proposals)
    .where(
      and(
        eq(proposals.vaultId, vault.id),
        eq(proposals.companyId, vault.companyId),
        options.status ? eq(proposals.status, options.status) : undefined,
        options.raisedBy ? and(eq(proposals.raisedByType, options.raisedBy.type), eq(proposals.raisedById, options.raisedBy.id)) : undefined,
      ),
    )
    .orderBy(desc(proposals.createdAt))
    .limit(options.limit)
    .all();
}

/** Pending proposals of some vaults, newest first (the reviewer's inbox). */
export async function pendingProposals(db: Database, companyId: string, vaultIds: readonly string[], limit: number): Promise<ProposalRow[]> {
  if (vaultIds.length === 0) return [];
  return db
    .select()
    .from(proposals)
    .where(and(eq(proposals.companyId, companyId), eq(proposals.status, "pending"), inArray(proposals.vaultId, [...vaultIds])))
    .orderBy(desc(proposals.createdAt))
    .limit(limit)
    .all();
}

/** A vault as a proposal's marks read it: its services with who chose their destinations, and the keys it stores. */
export async function vaultAsItIs(db: Database, companyId: string, vaultId: string): Promise<{ current: CurrentService[]; stored: Set<string> }> {
  const [current, keys] = await Promise.all([
    db
      .select({
        name: services.name,
        hostPattern: services.host,
        upstream: services.upstream,
        auth: services.auth,
        destinationChosenBy: services.destinationChosenBy,
        destinationChosenAt: services.destinationChosenAt,
      })
      .from(services)
      .where(and(eq(services.vaultId, vaultId), eq(services.companyId, companyId)))
      .all(),
    db
      .select({ key: credentials.key })
      .from(credentials)
      .where(and(eq(credentials.vaultId, vaultId), eq(credentials.companyId, companyId)))
      .all(),
  ]);
  return { current, stored: new Set(keys.map((k) => k.key)) };
}
