/**
 * Whether a person may do an operation, read from the permission table: the console offers a
 * button, a form or a section only where the operation behind it would let them through, and the
 * operation itself is still held to its row when it is used.
 */
import { roleAtLeast, type VaultRole } from "../lib/principal.ts";
import type { PageSession } from "./page-session.ts";

/** `vaultRole`: the person's role in the vault the operation addresses, for vault-role cells. */
export function allows(session: PageSession, operation: string, vaultRole?: VaultRole): boolean {
  const rule = session.table[operation];
  if (!rule) return false;
  if (rule.access === "public") return true;
  if (rule.access === "platform") return false;
  const cell = rule.cells[session.column];
  if (cell === "deny") return false;
  if (cell === "allow" || cell === "self") return true;
  return roleAtLeast(vaultRole, cell);
}
