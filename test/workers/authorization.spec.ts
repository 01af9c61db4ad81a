/**
 * The permission model, held by three matrices over the running edge:
 * - permission: every operation of /openapi.json × every principal kind of the table
 *   (workers/auth/permission-table.ts, rendered in docs/security.md), outcome read from that table;
 * - tenant: every principal kind of another company against this company's resources;
 * - delegation: each way a delegation ends × the next request through /proxy, /discover and /v1.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import securityPage from "../../docs/security.md?raw";
import { COLUMNS, PERMISSIONS, renderPermissionTable, ruleFor, type Cell, type Rule } from "../../workers/auth/permission-table.ts";
import { roleAtLeast } from "../../workers/lib/principal.ts";
import { BASE, call, type ApiResponse } from "./helpers.ts";
import { PROBES, PUBLIC_PROBES, tidy, type ProbeRequest } from "./authorization/probes.ts";
import { browserOf, outcomeOf, PAGE_PROBES, PUBLIC_PAGE_PROBES, sendPage } from "./authorization/page-probes.ts";
import { buildWorld, mintSession, type Instance } from "./authorization/world.ts";
import { delegationWorld, ENDINGS, type DelegationWorld } from "./authorization/delegation-endings.ts";
import { requestId } from "./upstream.ts";

type Outcome = "allow" | "refuse";

const send = (req: ProbeRequest, token: string | undefined): Promise<ApiResponse> =>
  call(req.method, req.path, { token, body: req.body, rawBody: req.rawBody, headers: req.headers });
/** 2xx, or 101: a WebSocket route that upgraded (test/workers/helpers.ts `call` closes the socket). */
const ok = (status: number) => (status >= 200 && status < 300) || status === 101;
const refused = (status: number) => status === 401 || status === 403 || status === 404;

type OpenApiDocument = { paths: Record<string, Record<string, { security?: unknown[] }>> };

async function openapiDocument(): Promise<OpenApiDocument> {
  return (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as OpenApiDocument;
}

async function openapiOperations(): Promise<string[]> {
  const doc = await openapiDocument();
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
}

/** What the table says this principal gets: a role cell is held against its role in the vault the probe addresses. */
function expectedOf(cell: Cell, who: Instance): Outcome {
  if (cell === "deny") return "refuse";
  if (cell === "allow" || cell === "self") return "allow";
  return roleAtLeast(who.role, cell) ? "allow" : "refuse";
}

describe("one authentication boundary: /openapi.json's security is the table's, and holds", () => {
  it("every operation that declares security is 401 without a token; every public one succeeds without one", { timeout: 120_000 }, async () => {
    const doc = await openapiDocument();
    const w = await buildWorld("ab");
    const failures: string[] = [];
    let secured = 0;
    let open = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const op = `${method.toUpperCase()} ${path}`;
        const rule = ruleFor(op);
        const declaresSecurity = (operation.security?.length ?? 0) > 0;
        if (!rule) failures.push(`${op}: not in the table`);
        else if (declaresSecurity !== (rule.access !== "public")) failures.push(`${op}: declares security ${declaresSecurity}, the table says ${rule.access}`);
        if (declaresSecurity) {
          secured += 1;
          const probe = PROBES[op];
          const res = probe ? await send(await probe.request(w, w.instances[0] as Instance), undefined) : undefined;
          if (res?.status !== 401) failures.push(`${op} without a token: ${res?.status ?? "no probe"}`);
          continue;
        }
        open += 1;
        const probe = PUBLIC_PROBES[op];
        if (!probe) {
          failures.push(`${op}: public, but no public probe`);
          continue;
        }
        const res = await send(await probe(w), undefined);
        if (!ok(res.status)) failures.push(`${op} without a token: ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    console.log(`auth boundary: ${secured} operations declare security and answer 401 without a token; ${open} public operations succeed without one`);
    expect(failures).toEqual([]);
  });
});

describe("permission matrix: /openapi.json × the table of docs/security.md", () => {
  it("docs/security.md shows the very table the gate enforces (npm run docs:security)", () => {
    const start = securityPage.indexOf("<!-- permission-table:start");
    const end = securityPage.indexOf("<!-- permission-table:end -->");
    expect(start).toBeGreaterThan(-1);
    const shown = securityPage.slice(securityPage.indexOf("\n", start) + 1, end).trim();
    expect(shown).toBe(renderPermissionTable());
  });

  it("every operation answers every principal as its cell says", { timeout: 600_000 }, async () => {
    const operations = await openapiOperations();
    const apiRows = Object.entries(PERMISSIONS)
      .filter(([, rule]) => rule.surface !== "page")
      .map(([op]) => op);
    // One source: an operation the table does not classify fails here (and the edge would not start).
    expect(operations.filter((op) => !ruleFor(op))).toEqual([]);
    expect(apiRows.filter((op) => !operations.includes(op))).toEqual([]);

    const w = await buildWorld("pm");
    const failures: string[] = [];
    let cases = 0;
    let publicOps = 0;
    for (const op of operations) {
      const rule = ruleFor(op);
      if (!rule || rule.access === "public") {
        publicOps += 1;
        continue;
      }
      const probe = PROBES[op];
      if (!probe) {
        failures.push(`${op}: no probe (test/workers/authorization/probes.ts)`);
        continue;
      }
      // Nobody without a token gets past the gate.
      const anonymous = await send(await probe.request(w, w.instances[0] as Instance), undefined);
      cases += 1;
      if (anonymous.status !== 401) failures.push(`${op} without a token: ${anonymous.status}`);
      // The platform operator's token is good for platform operations only.
      const platform = await send(await probe.request(w, w.instances[0] as Instance), env.PLATFORM_TOKEN);
      cases += 1;
      if (rule.access === "platform" ? !ok(platform.status) : platform.status !== 401)
        failures.push(`${op} as the platform: ${platform.status} ${platform.text.slice(0, 120)}`);

      for (const who of w.instances) {
        const cell: Cell = rule.access === "platform" ? "deny" : rule.cells[who.column];
        const want = probe.expect?.(w, who, cell) ?? expectedOf(cell, who);
        const req = await probe.request(w, who);
        const res = await send(req, req.token ?? who.token);
        cases += 1;
        const got = ok(res.status) ? "allow" : refused(res.status) ? "refuse" : `status ${res.status}`;
        // A `deny` cell is refused by the gate itself, before anything is read: 403 (401 for platform operations).
        const exact = cell === "deny" && !probe.expect ? (rule.access === "platform" ? res.status === 401 : res.status === 403) : true;
        if (got !== want || !exact) failures.push(`${op} as ${who.label} (cell ${cell}): want ${want}, got ${res.status} ${res.text.slice(0, 160)}`);
        if (cell === "self" && probe.other) {
          const other = await send(await probe.other(w, who), who.token);
          cases += 1;
          if (other.status !== 404) failures.push(`${op} as ${who.label} about another agent: want 404, got ${other.status}`);
        }
      }
      await tidy(w);
    }
    const principals = w.instances.length + 2;
    console.log(
      `permission matrix: ${operations.length - publicOps} operations × ${principals} principals (${COLUMNS.length} table columns, members and agents at every vault role, the platform, no token) = ${cases} cases; ${publicOps} public operations`,
    );
    expect(failures).toEqual([]);
  });
});

describe("page matrix: every web page of the table × every principal", () => {
  it("every page answers every principal as its cell says: people by their cookie session, nobody else at all", { timeout: 600_000 }, async () => {
    const rows = Object.entries(PERMISSIONS as Record<string, Rule>).filter(([, rule]) => rule.surface === "page");
    const w = await buildWorld("pg");
    const failures: string[] = [];
    let cases = 0;
    for (const [op, rule] of rows) {
      if (rule.access === "public") {
        const probe = PUBLIC_PAGE_PROBES[op];
        if (!probe) failures.push(`${op}: public, but no public page probe (test/workers/authorization/page-probes.ts)`);
        else if (outcomeOf(await sendPage(await probe(w), undefined, undefined)) !== "allow") failures.push(`${op} without a session: refused`);
        cases += 1;
        continue;
      }
      if (rule.access !== "principal") continue;
      const probe = PAGE_PROBES[op];
      if (!probe) {
        failures.push(`${op}: no page probe (test/workers/authorization/page-probes.ts)`);
        continue;
      }
      const anonymous = await sendPage(await probe.request(w, w.instances[0] as Instance), undefined, undefined);
      cases += 1;
      if (!(anonymous.status === 303 && anonymous.location?.startsWith("/sign-in"))) failures.push(`${op} without a session: ${anonymous.status}`);
      for (const who of w.instances) {
        const cell = rule.cells[who.column];
        const want = probe.expect?.(w, who) ?? expectedOf(cell, who);
        const req = await probe.request(w, who);
        const as = await browserOf(who, op === "POST /sign-out");
        const res = await sendPage(req, who, as);
        cases += 1;
        const got = probe.judge ? await probe.judge(res, as, who) : outcomeOf(res);
        // A person's `deny` cell is refused before anything is read (403); nobody else gets past "sign in first".
        const person = who.column === "owner" || who.column === "member";
        const exact = cell !== "deny" || probe.judge ? true : person ? res.status === 403 : res.status === 303 && (res.location ?? "").startsWith("/sign-in");
        if (got !== want || !exact)
          failures.push(`${op} as ${who.label} (cell ${cell}): want ${want}, got ${res.status} ${res.location ?? res.text.slice(0, 160)}`);
      }
      await tidy(w);
    }
    const apiRows = new Set(Object.keys(PERMISSIONS));
    for (const [op, rule] of rows)
      if (rule.access !== "platform" && rule.mirrors && !apiRows.has(rule.mirrors)) failures.push(`${op} mirrors ${rule.mirrors}, which is no row`);
    console.log(`page matrix: ${rows.length} page rows × ${w.instances.length} principals and no session = ${cases} cases`);
    expect(failures).toEqual([]);
  });
});

describe("tenant matrix: another company's principals against this company's resources", () => {
  it("answer 404 or 403 and never carry a byte of this company's data", { timeout: 600_000 }, async () => {
    const a = await buildWorld("ta");
    const b = await buildWorld("tb");
    // What only company A knows: its stored secret, its ids, its people and agents.
    const markers = [a.credentialValue, a.vaultId, a.company.id, a.minter.email, ...a.instances.filter((i) => i.kind !== "company_key").map((i) => i.name)];
    const failures: string[] = [];
    let cases = 0;
    for (const op of await openapiOperations()) {
      const rule = ruleFor(op);
      const probe = PROBES[op];
      if (rule?.access !== "principal" || !probe) continue;
      for (const who of b.instances) {
        const req = await probe.request(a, who);
        const res = await send(req, req.token ?? who.token);
        cases += 1;
        const sent = JSON.stringify(req);
        // A request naming one of A's objects (a path parameter, or A's vault anywhere) must be refused.
        const addressesA = (op.includes("{") && !probe.inCallersOwnCompany) || sent.includes(a.vault);
        if (addressesA && !refused(res.status)) failures.push(`${op} as B's ${who.label}: ${res.status} ${res.text.slice(0, 160)}`);
        const leaked = markers.filter((m) => !sent.includes(m) && res.text.includes(m));
        if (leaked.length) failures.push(`${op} as B's ${who.label} shows A's ${leaked.join(", ")}`);
      }
      await Promise.all([tidy(a), tidy(b)]);
    }
    console.log(`tenant matrix: ${cases} cases (${b.instances.length} principal kinds of company B × every authenticated operation on company A's resources)`);
    expect(failures).toEqual([]);
  });
});

/** The three doors a session uses: the proxy, /discover and the API. */
async function doors(w: DelegationWorld, token: string): Promise<number[]> {
  const auth = { Authorization: `Bearer ${token}` };
  const proxy = await SELF.fetch(`${BASE}/proxy/${w.host}/r/${requestId()}/x`, { headers: auth });
  const discover = await SELF.fetch(`${BASE}/discover`, { headers: auth });
  const api = await call("GET", "/v1/credentials", { token });
  await proxy.arrayBuffer();
  await discover.arrayBuffer();
  return [proxy.status, discover.status, api.status];
}

describe("delegation matrix: a session never outlives its source, and an ending is final", () => {
  it("each way a delegation ends stops the very next request through /proxy, /discover and /v1, with the gate warm, and restoring the minter revives nothing", {
    timeout: 300_000,
  }, async () => {
    const failures: string[] = [];
    const rows: string[] = [];
    let cases = 0;
    for (const ending of ENDINGS) {
      const w = await delegationWorld();
      const minter = await ending.minter(w);
      const session = await mintSession(minter.token, w.vault);
      // Warm: the gate has the minter and the session cached, and every door answers.
      const warm = await doors(w, session.token);
      if (warm.some((s) => !ok(s))) failures.push(`${ending.name}: the session did not work before (${warm.join(", ")})`);
      await ending.end({ w, minter, session });
      const after = await doors(w, session.token);
      // Restored: the minter could mint again (re-enabled, re-granted, raised back…); the ended session stays ended.
      await ending.restore.run({ w, minter, session });
      const restored = await doors(w, session.token);
      cases += after.length + restored.length;
      if (after.some((s) => s !== 401 && s !== 403)) failures.push(`${ending.name}: next requests answered ${after.join(", ")}`);
      if (restored.some((s) => s !== 401)) failures.push(`${ending.name}, then ${ending.restore.name}: requests answered ${restored.join(", ")}`);
      rows.push(`  ${ending.name.padEnd(50)} ended ${after.join(" ")}  restored ${restored.join(" ")}  (${ending.restore.name})`);
    }
    console.log(
      `delegation matrix: ${ENDINGS.length} ways a delegation ends × 3 doors (/proxy, /discover, /v1) × (ended, restored) = ${cases} cases, each with the gate warm\n${rows.join("\n")}`,
    );
    expect(failures).toEqual([]);
  });
});
