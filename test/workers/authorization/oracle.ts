/**
 * The permission table's own oracle: what must hold whatever workers/auth/permission-table.ts
 * says, written here by hand. The permission matrix (authorization.spec.ts) reads each cell's
 * expected outcome from the table the gate enforces, so a wrong row passes it; these rules do not
 * read the table at all (this file imports nothing from it) and judge any table handed to them:
 * the real one in authorization-oracle.spec.ts, and mutated copies there, to show a wrong row is
 * caught.
 *
 * Two kinds of expectation:
 * - CRITICAL_CELLS: whole rows written out literally, for the operations where a wrong cell is a
 *   takeover (deciding registrations, API keys, people, audit, company identity, the proxy);
 * - STRUCTURAL_RULES: rules over every row and every /openapi.json operation, keyed on the
 *   operation's method and path, so a new route is judged the moment it exists.
 */

export const ORACLE_COLUMNS = ["company_key", "owner", "member", "owner_agent", "agent", "session"] as const;
export type OracleColumn = (typeof ORACLE_COLUMNS)[number];

/** A table row as the oracle reads it: the shape of permission-table.ts's `Rule`, declared here. */
export type JudgedRow = { access: "public" | "platform" | "principal"; surface: string; cells?: Record<OracleColumn, string> };
export type JudgedTable = Record<string, JudgedRow>;

/** `public`, `platform`, or the six cells in ORACLE_COLUMNS order. */
type Expected = "public" | "platform" | readonly [string, string, string, string, string, string];

const OWNERS_ONLY = ["allow", "allow", "deny", "deny", "deny", "deny"] as const;
const PERSON_OWNER_ONLY_PAGE = ["deny", "allow", "deny", "deny", "deny", "deny"] as const;
const PEOPLE_WHO_ADMIN_THE_VAULT = ["admin", "admin", "admin", "deny", "deny", "deny"] as const;
const HUMANS_WHO_ARE_MEMBERS = ["deny", "member", "member", "deny", "deny", "deny"] as const;
const AGENTS_AND_SESSIONS_PROXY = ["deny", "deny", "deny", "proxy", "proxy", "proxy"] as const;

/**
 * Literal rows. Columns: API key, owner (human), member (human), owner agent, member agent, vault
 * session. Every cell here is a decision of docs/security.md's prose, not of the table.
 */
export const CRITICAL_CELLS: Record<string, Expected> = {
  // Registration decisions make agents: only the company's owners, never an agent (seed 004).
  "GET /v1/registrations": OWNERS_ONLY,
  "POST /v1/registrations/{id}/approve": OWNERS_ONLY,
  "POST /v1/registrations/{id}/reject": OWNERS_ONLY,
  "GET /api/registrations": OWNERS_ONLY,
  "POST /api/registrations/{id}/approve": OWNERS_ONLY,
  "POST /api/registrations/{id}/reject": OWNERS_ONLY,
  "POST /v1/registrations/claim": "public",
  // API keys act as owners: minting or revoking one is an owner's act.
  "POST /v1/api-keys": OWNERS_ONLY,
  "GET /v1/api-keys": OWNERS_ONLY,
  "DELETE /v1/api-keys/{id}": OWNERS_ONLY,
  // People, and the invites that make them.
  "POST /v1/users": OWNERS_ONLY,
  "GET /v1/users": OWNERS_ONLY,
  "PATCH /v1/users/{id}": OWNERS_ONLY,
  "DELETE /v1/users/{id}": OWNERS_ONLY,
  "POST /v1/users/accept": "public",
  "GET /v1/audit": OWNERS_ONLY,
  // The company's identity: what every SVID it issues is signed with.
  "PATCH /v1/company/identity": OWNERS_ONLY,
  "POST /v1/company/signing-keys/rotate": OWNERS_ONLY,
  // Single sign-on decides who signs in as the company's people, and as which role.
  "GET /v1/company/sso": OWNERS_ONLY,
  "PUT /v1/company/sso": OWNERS_ONLY,
  "DELETE /v1/company/sso": OWNERS_ONLY,
  "GET /sign-in/sso": "public",
  "GET /sign-in/sso/callback": "public",
  // Passports: a key or an owner for any agent; an agent only for itself (within the scopes a person granted it).
  "POST /v1/agents/{agentId}/passport": ["allow", "allow", "deny", "self", "self", "deny"],
  // The platform operator's token only.
  "POST /v1/companies": "platform",
  "POST /v1/platform/master-key/rotate": "platform",
  // Deciding proposals: a signed-in human (the decide rules then add "not one's own").
  "POST /v1/proposals/{id}/approve": HUMANS_WHO_ARE_MEMBERS,
  "POST /v1/proposals/{id}/reject": HUMANS_WHO_ARE_MEMBERS,
  // A vault's people: moved by people only.
  "POST /v1/vaults/{vault}/users": PEOPLE_WHO_ADMIN_THE_VAULT,
  "PATCH /v1/vaults/{vault}/users/{userId}": PEOPLE_WHO_ADMIN_THE_VAULT,
  "DELETE /v1/vaults/{vault}/users/{userId}": PEOPLE_WHO_ADMIN_THE_VAULT,
  // Minting a session needs member; a session never mints another.
  "POST /v1/sessions": ["member", "member", "member", "member", "member", "deny"],
  // The proxy: agents and their sessions; keys and people are not proxy tokens.
  "GET /proxy/{host}/{path}": AGENTS_AND_SESSIONS_PROXY,
  "HEAD /proxy/{host}/{path}": AGENTS_AND_SESSIONS_PROXY,
  "OPTIONS /proxy/{host}/{path}": AGENTS_AND_SESSIONS_PROXY,
  "POST /proxy/{host}/{path}": AGENTS_AND_SESSIONS_PROXY,
  "DELETE /proxy/{host}/{path}": AGENTS_AND_SESSIONS_PROXY,
  // The console's mirrors of the above: a person's cookie only.
  "POST /registrations/{id}/approve": PERSON_OWNER_ONLY_PAGE,
  "POST /registrations/{id}/reject": PERSON_OWNER_ONLY_PAGE,
  "POST /api-keys": PERSON_OWNER_ONLY_PAGE,
  "POST /api-keys/{id}/revoke": PERSON_OWNER_ONLY_PAGE,
  "POST /users": PERSON_OWNER_ONLY_PAGE,
  "POST /users/{id}/role": PERSON_OWNER_ONLY_PAGE,
  "POST /users/{id}/delete": PERSON_OWNER_ONLY_PAGE,
  "GET /audit": PERSON_OWNER_ONLY_PAGE,
  "GET /sso": PERSON_OWNER_ONLY_PAGE,
  "POST /sso": PERSON_OWNER_ONLY_PAGE,
  "POST /sso/delete": PERSON_OWNER_ONLY_PAGE,
};

const NON_HUMAN: readonly OracleColumn[] = ["owner_agent", "agent", "session"];
const AGENT_COLUMNS: readonly OracleColumn[] = ["owner_agent", "agent"];
const PERSON_COLUMNS: readonly OracleColumn[] = ["owner", "member"];

const methodOf = (operation: string) => operation.slice(0, operation.indexOf(" "));
const pathOf = (operation: string) => operation.slice(operation.indexOf(" ") + 1);
const isWrite = (operation: string) => methodOf(operation) !== "GET";

/**
 * What agents (owner agents included) and vault sessions never reach, by path, on the API and
 * on the console alike: who holds the company's keys, who its people are and what they may do,
 * which agents it admits, its audit trail, and what it signs with.
 */
const PEOPLE_ONLY_AREAS: readonly { name: string; matches(operation: string): boolean }[] = [
  { name: "API keys", matches: (op) => /^\/(v1\/)?api-keys(\/|$)/.test(pathOf(op)) },
  { name: "people and their invites", matches: (op) => /^\/(v1\/)?users(\/|$)/.test(pathOf(op)) || /^\/accept\//.test(pathOf(op)) },
  { name: "registration decisions", matches: (op) => /^\/((v1|api)\/)?registrations(\/|$)/.test(pathOf(op)) },
  { name: "the audit log", matches: (op) => /^\/(v1\/)?audit(\/|$)/.test(pathOf(op)) },
  { name: "company identity", matches: (op) => isWrite(op) && /^\/v1\/company\/identity(\/|$)/.test(pathOf(op)) },
  { name: "signing keys", matches: (op) => /^\/v1\/company\/signing-keys(\/|$)/.test(pathOf(op)) },
  { name: "single sign-on", matches: (op) => /^\/(v1\/company\/)?sso(\/|$)/.test(pathOf(op)) },
];

/** The people-only operations that are public by design: each is authenticated by a token it carries. */
const PUBLIC_BY_DESIGN = new Set([
  "POST /v1/users/accept", // the user invite's token
  "GET /accept/{token}", // the console's accept page (the same token)
  "POST /accept/{token}",
  "POST /v1/registrations/claim", // the registration's claim token; collects, never decides
]);

export type StructuralRule = { name: string; check(operation: string, row: JudgedRow | undefined, isApiOperation: boolean): string | undefined };

const cellOf = (row: JudgedRow | undefined, column: OracleColumn) => (row?.access === "principal" ? row.cells?.[column] : undefined);

/** Rules over every row. Each returns why a row breaks it, or undefined. */
export const STRUCTURAL_RULES: readonly StructuralRule[] = [
  {
    name: "every operation of /openapi.json is classified",
    check: (_op, row, api) => (api && !row ? "not in the table" : undefined),
  },
  {
    name: "no agent or vault session ever reaches API keys, people, user invites, registration decisions, audit, company identity, signing keys or single sign-on",
    check: (op, row) => {
      const area = PEOPLE_ONLY_AREAS.find((a) => a.matches(op));
      if (!area || !row) return undefined;
      if (row.access === "public") return PUBLIC_BY_DESIGN.has(op) ? undefined : `${area.name}: public`;
      if (row.access === "platform") return undefined;
      const letIn = NON_HUMAN.filter((column) => cellOf(row, column) !== "deny");
      return letIn.length ? `${area.name}: allows ${letIn.join(", ")}` : undefined;
    },
  },
  {
    name: "a vault session never needs more than proxy: its cell is deny or proxy, or allow on a read",
    check: (op, row) => {
      const cell = cellOf(row, "session");
      if (cell === undefined || cell === "deny" || cell === "proxy") return undefined;
      return cell === "allow" && !isWrite(op) ? undefined : `session cell ${cell}`;
    },
  },
  {
    name: "agents never change a vault's people (grants of users), on the API or the console",
    check: (op, row) => {
      if (!/^\/(v1\/)?vaults\/\{vault\}\/users(\/|$)/.test(pathOf(op)) || !isWrite(op)) return undefined;
      const letIn = NON_HUMAN.filter((column) => (cellOf(row, column) ?? "deny") !== "deny");
      return letIn.length ? `allows ${letIn.join(", ")}` : undefined;
    },
  },
  {
    name: "the proxy takes agents and their sessions only: API keys and people are not proxy tokens",
    check: (op, row) => {
      if (!pathOf(op).startsWith("/proxy/")) return undefined;
      if (row?.access !== "principal") return `access ${row?.access ?? "none"}`;
      const letIn = (["company_key", ...PERSON_COLUMNS] as OracleColumn[]).filter((column) => cellOf(row, column) !== "deny");
      return letIn.length ? `allows ${letIn.join(", ")}` : undefined;
    },
  },
  {
    name: "a console page (not in /openapi.json, not the proxy) takes a person's cookie only: never an API key, an agent or a session",
    check: (op, row, api) => {
      if (api || pathOf(op).startsWith("/proxy/") || row?.access !== "principal") return undefined;
      const letIn = (["company_key", ...AGENT_COLUMNS, "session"] as OracleColumn[]).filter((column) => cellOf(row, column) !== "deny");
      return letIn.length ? `allows ${letIn.join(", ")}` : undefined;
    },
  },
];

/**
 * Every way `table` breaks the oracle: a critical cell that differs, or a structural rule broken
 * by a row or by an /openapi.json operation. Empty when the table is right.
 *
 * @example oracleViolations(PERMISSIONS, await openapiOperations()) // []
 */
export function oracleViolations(table: JudgedTable, apiOperations: readonly string[]): string[] {
  const violations: string[] = [];
  for (const [op, expected] of Object.entries(CRITICAL_CELLS)) {
    const row = table[op];
    if (!row) {
      violations.push(`${op}: critical row missing from the table`);
      continue;
    }
    if (typeof expected === "string") {
      if (row.access !== expected) violations.push(`${op}: access ${row.access}, the oracle says ${expected}`);
      continue;
    }
    if (row.access !== "principal") {
      violations.push(`${op}: access ${row.access}, the oracle says per-principal cells`);
      continue;
    }
    ORACLE_COLUMNS.forEach((column, i) => {
      const got = row.cells?.[column];
      if (got !== expected[i]) violations.push(`${op} as ${column}: the table says ${got}, the oracle says ${expected[i]}`);
    });
  }
  const api = new Set(apiOperations);
  for (const op of new Set([...Object.keys(table), ...apiOperations])) {
    for (const rule of STRUCTURAL_RULES) {
      const broken = rule.check(op, table[op], api.has(op));
      if (broken) violations.push(`${op}: ${broken} (rule: ${rule.name})`);
    }
  }
  return violations;
}
