/**
 * The permission model against expectations that do not come from the table. The permission
 * matrix (authorization.spec.ts) holds the running edge to workers/auth/permission-table.ts, so a
 * wrong row there is enforced and tested alike; here the rules are written by hand
 * (authorization/oracle.ts: literal critical rows and rules over every row) and the most
 * dangerous refusals are sent to the running edge as plain requests, with what they would have
 * changed checked afterwards.
 *
 * Scripted mutation check (done when this file was written; repeat it after changing the rules):
 * in permission-table.ts give `POST /v1/registrations/{id}/approve` `owner_agent: "allow"`, run
 * `npm run docs:security`, then `npx vitest run --project workers test/workers/authorization.spec.ts
 * test/workers/authorization-oracle.spec.ts`: the matrix stays green, this file goes red (the
 * table's row, and the owner agent's approval over /v1). The "a wrong row is caught" tests below
 * do the same to copies of the table on every run.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PERMISSIONS } from "../../workers/auth/permission-table.ts";
import { BASE, call, createCompany, createUser, createVault, inviteAgent, unique, type ApiResponse } from "./helpers.ts";
import { CRITICAL_CELLS, type JudgedTable, ORACLE_COLUMNS, oracleViolations, STRUCTURAL_RULES } from "./authorization/oracle.ts";
import { mintSession } from "./authorization/world.ts";

async function openapiOperations(): Promise<string[]> {
  const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
}

/** A deep copy of the real table with one row's cell changed, as a careless edit would. */
function tableWith(operation: string, column: (typeof ORACLE_COLUMNS)[number], cell: string): JudgedTable {
  const copy = structuredClone(PERMISSIONS) as unknown as JudgedTable;
  const row = copy[operation];
  if (!row?.cells) throw new Error(`${operation} has no cells`);
  row.cells[column] = cell;
  return copy;
}

describe("the permission table obeys rules written without it", () => {
  it("every critical row is as written here, and every row and /openapi.json operation keeps the structural rules", async () => {
    const operations = await openapiOperations();
    // The rules judge something: the critical rows exist, and the API has the areas they name.
    expect(Object.keys(CRITICAL_CELLS).filter((op) => !(op in PERMISSIONS))).toEqual([]);
    expect(operations).toEqual(expect.arrayContaining(["POST /v1/registrations/{id}/approve", "DELETE /v1/api-keys/{id}", "GET /v1/audit"]));
    expect(oracleViolations(PERMISSIONS as unknown as JudgedTable, operations)).toEqual([]);
  });

  it("a wrong row is caught: owner agents allowed to approve registrations (the mutation the matrix missed)", async () => {
    const operations = await openapiOperations();
    const mutated = tableWith("POST /v1/registrations/{id}/approve", "owner_agent", "allow");
    expect(oracleViolations(mutated, operations)).toEqual([
      "POST /v1/registrations/{id}/approve as owner_agent: the table says allow, the oracle says deny",
      expect.stringContaining("POST /v1/registrations/{id}/approve: registration decisions: allows owner_agent"),
    ]);
  });

  it("a wrong row is caught: any critical cell of an agent or a session opened", async () => {
    const operations = await openapiOperations();
    let flipped = 0;
    for (const [op, expected] of Object.entries(CRITICAL_CELLS)) {
      if (typeof expected === "string") continue;
      for (const column of ["owner_agent", "agent", "session"] as const) {
        const opened = expected[ORACLE_COLUMNS.indexOf(column)] === "deny" ? "allow" : "deny";
        const violations = oracleViolations(tableWith(op, column, opened), operations);
        expect(violations, `${op} as ${column} → ${opened}`).toContain(
          `${op} as ${column}: the table says ${opened}, the oracle says ${expected[ORACLE_COLUMNS.indexOf(column)]}`,
        );
        flipped += 1;
      }
    }
    expect(flipped).toBe(3 * Object.values(CRITICAL_CELLS).filter((e) => typeof e !== "string").length);
  });

  it("a wrong row is caught by the structural rules alone, where no critical cell names it", async () => {
    const operations = await openapiOperations();
    const broken = (op: string, column: (typeof ORACLE_COLUMNS)[number], cell: string) =>
      oracleViolations(tableWith(op, column, cell), operations).filter((v) => !v.includes("the oracle says"));
    // Rows the literal list leaves out: each rule still refuses the careless edit.
    expect(broken("POST /v1/registrations/{id}/approve", "agent", "admin")).toHaveLength(1);
    expect(broken("GET /api-keys", "session", "allow")).toEqual([
      expect.stringContaining("API keys: allows session"),
      expect.stringContaining("GET /api-keys: allows session (rule: a console page"),
    ]);
    expect(broken("GET /users", "owner_agent", "allow")).toEqual(expect.arrayContaining([expect.stringContaining("people and their invites")]));
    expect(broken("GET /v1/vaults/{vault}/services", "session", "member")).toEqual([expect.stringContaining("session cell member")]);
    expect(broken("PATCH /v1/vaults/{vault}", "session", "admin")).toEqual([expect.stringContaining("session cell admin")]);
    expect(broken("POST /vaults/{vault}/users", "agent", "admin")).toEqual(expect.arrayContaining([expect.stringContaining("a vault's people")]));
    expect(broken("PUT /proxy/{host}/{path}", "member", "proxy")).toEqual([expect.stringContaining("allows member")]);
    expect(broken("GET /vaults/{vault}/traffic", "company_key", "admin")).toEqual([expect.stringContaining("allows company_key")]);
    const madePublic = structuredClone(PERMISSIONS) as unknown as JudgedTable;
    madePublic["GET /v1/audit"] = { access: "public", surface: "api" };
    expect(oracleViolations(madePublic, operations)).toEqual(
      expect.arrayContaining(["GET /v1/audit: access public, the oracle says per-principal cells", expect.stringContaining("the audit log: public")]),
    );
    expect(STRUCTURAL_RULES.length).toBe(6);
  });
});

type Refused = { label: string; res: ApiResponse };

describe("agents and vault sessions never decide registrations or touch keys, people, audit or the company's identity", () => {
  it("an owner agent, an admin member agent and a session are 403 forbidden, and nothing changed; the same requests by the company key succeed", async () => {
    const company = await createCompany();
    const K = company.ownerKey;
    const vault = await createVault(K);
    const ownerAgent = await inviteAgent(K, unique("oracle-oa"), [], "owner");
    const adminAgent = await inviteAgent(K, unique("oracle-admin"), [{ vault, role: "admin" }]);
    const minter = await createUser(company);
    expect((await call("POST", `/v1/vaults/${vault}/users`, { token: K, body: { email: minter.email, role: "member" } })).status).toBe(200);
    const session = await mintSession(minter.token, vault);
    const callers = [
      { label: "owner agent", token: ownerAgent.token },
      { label: "admin member agent", token: adminAgent.token },
      { label: "vault session", token: session.token },
    ];

    let address = 0;
    const register = async () => {
      address += 1;
      const res = await call("POST", `/v1/companies/${company.id}/agents/register`, {
        headers: { "CF-Connecting-IP": `198.18.77.${address}` },
        body: { name: unique("oracle-reg"), capabilities: ["api_call"] },
      });
      expect(res.status).toBe(201);
      return res.body.registrationId as string;
    };
    const decisions = [
      { path: `/v1/registrations/${await register()}/approve`, body: { capabilities: [] } },
      { path: `/v1/registrations/${await register()}/reject`, body: { reason: "no" } },
      { path: `/api/registrations/${await register()}/approve`, body: { capabilities: [] } },
      { path: `/api/registrations/${await register()}/reject`, body: { reason: "no" } },
    ];
    const spareKey = await call("POST", "/v1/api-keys", { token: K, body: { label: "spare" } });
    expect(spareKey.status).toBe(201);
    const [person, leaver] = [await createUser(company), await createUser(company)];
    const identity = async () => (await call("GET", "/v1/company/identity", { token: K })).body.identity;
    const jwks = async () => (await call("GET", `/v1/companies/${company.id}/jwks.json`)).body;
    const [identityBefore, jwksBefore] = [await identity(), await jwks()];

    const requests: { method: string; path: string; body?: unknown }[] = [
      ...decisions.map((d) => ({ method: "POST", ...d })),
      { method: "DELETE", path: `/v1/api-keys/${spareKey.body.id as string}` },
      { method: "PATCH", path: `/v1/users/${person.id}`, body: { role: "owner" } },
      { method: "DELETE", path: `/v1/users/${leaver.id}` },
      { method: "GET", path: "/v1/audit" },
      { method: "PATCH", path: "/v1/company/identity", body: { signing_alg: "ES256" } },
      { method: "POST", path: "/v1/company/signing-keys/rotate?force=true" },
    ];
    const refused: Refused[] = [];
    for (const caller of callers)
      for (const r of requests)
        refused.push({ label: `${r.method} ${r.path} as ${caller.label}`, res: await call(r.method, r.path, { token: caller.token, body: r.body }) });
    for (const { label, res } of refused) expect({ status: res.status, error: res.body.error }, label).toEqual({ status: 403, error: "forbidden" });
    expect(refused).toHaveLength(callers.length * requests.length);

    // Nothing moved: registrations pending, the key working, the person unchanged, the identity and keys as they were.
    const pending = await call("GET", "/v1/registrations", { token: K });
    expect((pending.body.registrations as { id: string }[]).map((r) => r.id).sort()).toEqual(decisions.map((d) => d.path.split("/")[3]).sort());
    expect((await call("GET", "/v1/whoami", { token: spareKey.body.token as string })).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: person.token })).body).toMatchObject({ id: person.id, company_role: "member" });
    expect((await call("GET", "/v1/whoami", { token: leaver.token })).body).toMatchObject({ id: leaver.id, company_role: "member" });
    expect(await identity()).toEqual(identityBefore);
    expect(await jwks()).toEqual(jwksBefore);

    // The requests were well formed: the company key's identical ones succeed.
    for (const r of requests) expect((await call(r.method, r.path, { token: K, body: r.body })).status, `${r.method} ${r.path} as the key`).toBe(200);
  });
});
