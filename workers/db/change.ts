/**
 * A write and its consequences, as one value. Queries build a `Change` (the D1 statements to run
 * as one batch, and who must re-read their state afterwards); handlers hand it to `commit`, which
 * runs the batch and then the invalidations. A new write cannot forget to invalidate: it returns
 * what it invalidates, and there is no other way to apply it. Nor can it forget to end the vault
 * sessions or agent passports it leaves unbacked: `commit` ends them in the same batch
 * (ended-sessions.ts, ended-passports.ts).
 */
import type { BatchItem } from "drizzle-orm/batch";
import { chainsAddedTo } from "./chained.ts";
import type { Database } from "./client.ts";
import { endPassportsNoLongerBacked } from "./ended-passports.ts";
import { endSessionsNoLongerBacked } from "./ended-sessions.ts";

import type { RootKey } from "../lib/principal.ts";

export type { RootKey, RootType } from "../lib/principal.ts";
/** A vault whose services and credentials are cached per isolate for the proxy. */
export type VaultRef = { companyId: string; vaultId: string };

/**
 * `registrations`: decided registrations, whose channel (an agent waiting on a socket for the
 * decision) must re-read it and tell the agent.
 */
export type Invalidates = { roots?: readonly RootKey[]; vaults?: readonly VaultRef[]; registrations?: readonly string[] };

type Statement = BatchItem<"sqlite">;
type Results<T extends readonly Statement[]> = { [K in keyof T]: Awaited<T[K]> };
/**
 * `invalidates` may be computed from what the statements returned (an upsert learns which row it
 * touched only when it runs). Such a change ends no vault session (its roots are known only after
 * the batch): a change that can end a delegation names its roots up front.
 */
export type Change<T extends readonly [Statement, ...Statement[]] = readonly [Statement, ...Statement[]]> = {
  statements: T;
  invalidates: Invalidates | InvalidatesFrom<T>;
};
// A method's parameters are compared bivariantly, so a change of known statements still fits `Change`.
type InvalidatesFrom<T extends readonly Statement[]> = { of(results: Results<T>): Invalidates }["of"];

/** What committing a change does beyond D1: dropping caches (the Worker wires it: workers/effects.ts). */
export type Effects = {
  invalidateRoots(roots: readonly RootKey[]): Promise<void>;
  forgetVaults(vaults: readonly VaultRef[]): void;
  announceDecisions(registrationIds: readonly string[]): Promise<void>;
  /** The companies whose attestation chains the batch added records to (db/chained.ts): their sealers seal them. */
  sealChains(companyIds: readonly string[]): Promise<void>;
};

export function change<T extends readonly [Statement, ...Statement[]]>(statements: T, invalidates: Change<T>["invalidates"] = {}): Change<T> {
  return { statements, invalidates };
}

/**
 * Runs the statements as one D1 batch (a transaction), then the invalidations they carry. The batch
 * also revokes the sessions of the invalidated roots that their minter could no longer mint, and the
 * passports of the invalidated agents that they no longer back, so an ending is written with the
 * change that ends it and restoring the minter later revives nothing. Last, the chains the batch
 * added records to are sealed (db/chained.ts).
 */
export async function commit<T extends readonly [Statement, ...Statement[]]>(db: Database, effects: Effects, done: Change<T>) {
  const roots = typeof done.invalidates === "function" ? undefined : done.invalidates.roots;
  const now = Date.now();
  const endings = roots?.length ? [...endSessionsNoLongerBacked(db, roots, now), ...endPassportsNoLongerBacked(db, roots, now)] : [];
  const batch = [...done.statements, ...endings] as unknown as Parameters<Database["batch"]>[0];
  const results = (await db.batch(batch)).slice(0, done.statements.length) as unknown as Results<T>;
  const invalidates = typeof done.invalidates === "function" ? done.invalidates(results) : done.invalidates;
  if (invalidates.roots?.length) await effects.invalidateRoots(invalidates.roots);
  if (invalidates.vaults?.length) effects.forgetVaults(invalidates.vaults);
  if (invalidates.registrations?.length) await effects.announceDecisions(invalidates.registrations);
  const chains = chainsAddedTo(done.statements);
  if (chains.length) await effects.sealChains(chains);
  return results;
}
