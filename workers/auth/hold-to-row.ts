/**
 * The one door's rule: a caller held to its row of the permission table (auth/permission-table.ts).
 * Pure — no Hono, no bindings — so the API's gate and the console pages (auth/gate.ts), the
 * proxy's Worker (proxy/admission.ts) and the proxy's ActorGate (durable-objects/actor-gate.ts)
 * apply a row with this same code, to a table they are handed, and none holds a rule of its own.
 */
import { AppError } from "../lib/app-error.ts";
import type { CompanyRole, VaultRole } from "../lib/principal.ts";
import { roleAtLeast } from "../lib/principal.ts";
import type { Cell, Cells, Column, Refusal, Rule } from "./permission-table.ts";

/** The table a request is held to: the real one (PERMISSIONS), or a test build's. */
export type PermissionTable = Readonly<Record<string, Rule>>;

/**
 * A caller as the table sees it. Once resolved, people and agents carry their company role; an
 * agent token whose gate has not yet read the agent does not, and may sit in either agent column.
 */
export type Caller =
  | { kind: "company_key" }
  | { kind: "vault_session" }
  | { kind: "user"; companyRole?: CompanyRole }
  | { kind: "agent"; companyRole?: CompanyRole };
/** A caller whose column is known: a resolved principal, or what an ActorGate resolved from a token. */
export type ResolvedCaller =
  | { kind: "company_key" }
  | { kind: "vault_session" }
  | { kind: "user"; companyRole: CompanyRole }
  | { kind: "agent"; companyRole: CompanyRole };

/** The cells a caller holds in a row: one per column it may sit in that the row does not deny. */
export type HeldCells = Partial<Record<Column, Exclude<Cell, "deny">>>;

/** The row of an operation in `table`; an operation it does not hold is refused, never let through. */
export function rowOf(table: PermissionTable, operation: string): Rule {
  const rule = table[operation];
  if (!rule) throw new AppError(403, "forbidden", `${operation} is not in the permission table, so nobody may do it`);
  return rule;
}

/** The column of a resolved caller. */
export function columnOf(caller: ResolvedCaller): Column {
  switch (caller.kind) {
    case "company_key":
      return "company_key";
    case "user":
      return caller.companyRole === "owner" ? "owner" : "member";
    case "agent":
      return caller.companyRole === "owner" ? "owner_agent" : "agent";
    case "vault_session":
      return "session";
  }
}

/** Every column a caller may sit in: one once resolved, both of its kind's otherwise. */
export function columnsOf(caller: Caller): [Column, ...Column[]] {
  switch (caller.kind) {
    case "user":
      return caller.companyRole ? [columnOf({ kind: "user", companyRole: caller.companyRole })] : ["owner", "member"];
    case "agent":
      return caller.companyRole ? [columnOf({ kind: "agent", companyRole: caller.companyRole })] : ["owner_agent", "agent"];
    default:
      return [columnOf(caller)];
  }
}

const EVERYONE: Cells = { company_key: "allow", owner: "allow", member: "allow", owner_agent: "allow", agent: "allow", session: "allow" };
const NOBODY: Cells = { company_key: "deny", owner: "deny", member: "deny", owner_agent: "deny", agent: "deny", session: "deny" };

/**
 * The cells a row holds a caller with a token to, and its own refusal: a principal row's cells; a
 * public row's `withToken` cells (anyone, without them); nobody for a platform row, whose token
 * is not a principal's.
 */
function cellsOf(rule: Rule): { cells: Cells; refusal?: Refusal } {
  if (rule.access === "principal") return { cells: rule.cells, refusal: rule.refusal };
  if (rule.access === "platform") return { cells: NOBODY };
  return rule.withToken ? { cells: rule.withToken.cells, refusal: rule.withToken.refusal } : { cells: EVERYONE };
}

/**
 * The one door: holds a caller to a row. Returns the cells it holds (the caller's own, once
 * resolved); refuses with the row's refusal, 403 before anything is read, when the row denies
 * every column the caller may sit in.
 */
export function holdToRow(rule: Rule, caller: Caller): HeldCells {
  const { cells } = cellsOf(rule);
  const held: HeldCells = {};
  for (const column of columnsOf(caller)) {
    const cell = cells[column];
    if (cell !== "deny") held[column] = cell;
  }
  if (Object.keys(held).length === 0) throw refusalOf(rule, caller);
  return held;
}

/** A row's refusal of a caller (or of its column): its own code and words, else the generic 403 naming the caller. */
export function refusalOf(rule: Rule, who: Caller | Column): AppError {
  const column = typeof who === "string" ? who : columnsOf(who)[0];
  const refusal = cellsOf(rule).refusal;
  return new AppError(403, refusal?.code ?? "forbidden", refusal?.message ?? `${CALLER[column]} cannot do this`);
}

/** How a refusal names the caller, by its column of the table. */
const CALLER: Record<Column, string> = {
  company_key: "An API key",
  owner: "An owner",
  member: "A member",
  owner_agent: "An owner agent",
  agent: "An agent",
  session: "A vault session",
};

/** Whether a role held in the addressed vault meets a cell, or why not. */
export type RoleVerdict =
  | { ok: true; role: VaultRole }
  | { ok: false; why: "no_role" }
  | { ok: false; why: "not_in_vault" }
  | { ok: false; why: "too_low"; needed: VaultRole; role: VaultRole };

/**
 * A cell held against the caller's role in the vault it addresses: it needs some role there; an
 * `allow` cell is content with any, a role cell needs at least that role, and a `deny` or `self`
 * cell is nothing done in a vault.
 */
export function holdRoleToCell(cell: Cell, role: VaultRole | undefined): RoleVerdict {
  if (!role) return { ok: false, why: "no_role" };
  if (cell === "allow") return { ok: true, role };
  if (cell === "deny" || cell === "self") return { ok: false, why: "not_in_vault" };
  return roleAtLeast(role, cell) ? { ok: true, role } : { ok: false, why: "too_low", needed: cell, role };
}

/** Why a role in a vault does not meet its cell, in words: the API's vault checks and the proxy say the same. */
export function vaultRefusal(vaultName: string, verdict: Exclude<RoleVerdict, { ok: true }>): AppError {
  if (verdict.why === "no_role") return new AppError(403, "forbidden", `No access to vault "${vaultName}"`);
  if (verdict.why === "not_in_vault") return new AppError(403, "forbidden", `This is not done in vault "${vaultName}"`);
  return new AppError(403, "forbidden", `This needs the ${verdict.needed} role in vault "${vaultName}"; you have ${verdict.role}`);
}
