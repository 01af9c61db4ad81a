/**
 * Which company's attestation chain a statement adds a record to: an audit row does (its trigger
 * writes the record in the same statement, migrations/0009_chain_records.sql) and so does an
 * agent's attestation. `commit` reads the marks after the batch lands and has each company's
 * ChainSealer seal what it added, so no writer has to remember to.
 */
const chainOf = new WeakMap<object, string>();

/** Marks `statement` as adding a record to `companyId`'s chain; returns it unchanged. */
export function addsToChain<T extends object>(statement: T, companyId: string): T {
  chainOf.set(statement, companyId);
  return statement;
}

/** The companies whose chains `statements` add records to. */
export function chainsAddedTo(statements: readonly object[]): string[] {
  return [...new Set(statements.flatMap((statement) => chainOf.get(statement) ?? []))];
}
