/**
 * One door: every entry of the edge — an API route, a console page, /proxy, /discover, token
 * exchange, Vaultys' /api surface, a channel upgrade — reads its rule from the permission table
 * at run time, through the same gate. Proven on a test build of the app (`buildApp({ permissions })`)
 * whose table lacks one row: each entry that succeeds under the real table is refused under that
 * one, and no other entry is. For the proxy, the role its ActorGate enforces is the table's cell.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../workers/app.ts";
import type { PermissionTable } from "../../workers/auth/hold-to-row.ts";
import { type Cells, PERMISSIONS, type Rule } from "../../workers/auth/permission-table.ts";
import { issueAgentSvid } from "../../workers/identity/svid.ts";
import { BASE, createUser, inviteAgent, svidContext } from "./helpers.ts";
import { signInCookie } from "./pages-support.ts";
import { type ProxySetup, proxySetup } from "./proxy-support.ts";
import { requestId } from "./upstream.ts";

type Answer = { status: number; error?: string; text: string };

/** Sends a request to a fresh build of the app over `permissions`, as the Worker entry would. */
async function through(permissions: PermissionTable, request: Request): Promise<Answer> {
  const ctx = createExecutionContext();
  const response = await buildApp({ permissions }).fetch(request, env, ctx);
  // A channel that upgraded (101): only the answer is read, so the socket is closed at once.
  if (response.webSocket) {
    response.webSocket.accept();
    response.webSocket.close(1000, "answer read");
  }
  const text = await response.text();
  // Not awaited: what the request left running (its log row, its slot's release) needs no waiting for here.
  void waitOnExecutionContext(ctx);
  let error: string | undefined;
  try {
    error = (JSON.parse(text) as { error?: string }).error;
  } catch {
    error = undefined;
  }
  return { status: response.status, error, text };
}

const without = (operation: string): PermissionTable => Object.fromEntries(Object.entries(PERMISSIONS).filter(([op]) => op !== operation));
const withRow = (operation: string, rule: Rule): PermissionTable => ({ ...PERMISSIONS, [operation]: rule });

type World = ProxySetup & { ownerCookie: string; svid: string };

/** Each entry: its operation (the row the test build drops), and a request that succeeds under the real table. */
const ENTRIES: { entry: string; operation: string; request(w: World): Request }[] = [
  {
    entry: "an API route",
    operation: "GET /v1/vaults",
    request: (w) => new Request(`${BASE}/v1/vaults`, { headers: { Authorization: `Bearer ${w.company.ownerKey}` } }),
  },
  {
    entry: "a console page",
    operation: "GET /vaults",
    request: (w) => new Request(`${BASE}/vaults`, { headers: { Cookie: w.ownerCookie } }),
  },
  {
    entry: "/proxy",
    operation: "GET /proxy/{host}/{path}",
    request: (w) => new Request(`${BASE}/proxy/${w.host}/r/${requestId()}/x`, { headers: { Authorization: `Bearer ${w.agent.token}`, "X-Vault": w.vault } }),
  },
  {
    entry: "/discover",
    operation: "GET /discover",
    request: (w) => new Request(`${BASE}/discover`, { headers: { Authorization: `Bearer ${w.agent.token}`, "X-Vault": w.vault } }),
  },
  {
    entry: "token exchange",
    operation: "POST /v1/token/exchange",
    request: (w) =>
      new Request(`${BASE}/v1/token/exchange`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token: w.svid,
          subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
          audience: "billing",
        }).toString(),
      }),
  },
  {
    entry: "an /api/* route",
    operation: "GET /api/agents",
    request: (w) => new Request(`${BASE}/api/agents`, { headers: { Authorization: `Bearer ${w.company.ownerKey}` } }),
  },
  {
    entry: "a channel upgrade",
    operation: "GET /v1/agents/channel",
    request: (w) => new Request(`${BASE}/v1/agents/channel`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${w.agent.token}` } }),
  },
];

let world: World;

beforeAll(async () => {
  const s = await proxySetup();
  const owner = await createUser(s.company, "owner");
  const browser = await signInCookie(owner.email);
  const { svid } = await issueAgentSvid(svidContext(), { companyId: s.company.id, agentName: s.agent.name });
  world = { ...s, ownerCookie: browser.cookie, svid };
});

describe("the permission table governs every entry: a row missing from the app's table refuses its entry", () => {
  it.each(ENTRIES)("$entry ($operation) succeeds under the real table and is refused, 403, without its row", async ({ operation, request }) => {
    const real = await through(PERMISSIONS, request(world));
    expect(real.status, real.text.slice(0, 200)).toBeOneOf([200, 101]);
    const refused = await through(without(operation), request(world));
    expect(refused.status, refused.text.slice(0, 200)).toBe(403);
    expect(refused.text).toContain(`${operation} is not in the permission table`);
  });

  it("each row governs only its own entry: without one entry's row, every other entry still succeeds", async () => {
    const table = without("GET /discover");
    for (const { entry, operation, request } of ENTRIES) {
      if (operation === "GET /discover") continue;
      expect((await through(table, request(world))).status, entry).toBeOneOf([200, 101]);
    }
  });
});

describe("signing out of the pages is held to its row like every page", () => {
  const signOut = (browser: { cookie: string; csrf: string }) =>
    new Request(`${BASE}/sign-out`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE, Cookie: browser.cookie },
      body: new URLSearchParams({ csrf: browser.csrf }).toString(),
    });
  const inbox = (browser: { cookie: string }) => new Request(`${BASE}/inbox`, { headers: { Cookie: browser.cookie } });

  it("without POST /sign-out's row the form is refused and the session stays; with it the session ends", async () => {
    const person = await createUser(world.company, "member");
    const browser = await signInCookie(person.email);
    const refused = await through(without("POST /sign-out"), signOut(browser));
    expect(refused.status, refused.text.slice(0, 200)).toBe(403);
    expect(refused.text).toContain("POST /sign-out is not in the permission table");
    expect((await through(PERMISSIONS, inbox(browser))).status).toBe(200);

    expect((await through(PERMISSIONS, signOut(browser))).status).toBe(303);
    // Signed out: the cookie opens nothing any more, and the inbox sends its bearer to sign in.
    expect((await through(PERMISSIONS, inbox(browser))).status).toBe(303);
  });
});

describe("the proxy's rule is the table's: its ActorGate enforces the cell it is handed and holds no copy of its own", () => {
  const PROXY_GET = "GET /proxy/{host}/{path}";
  const proxyRow = PERMISSIONS[PROXY_GET];
  if (proxyRow.access !== "principal") throw new Error(`${PROXY_GET} is not a principal row`);
  const rowWith = (cells: Partial<Cells>): Rule => ({ ...proxyRow, cells: { ...proxyRow.cells, ...cells } });
  const proxied = (w: World, token: string) =>
    new Request(`${BASE}/proxy/${w.host}/r/${requestId()}/x`, { headers: { Authorization: `Bearer ${token}`, "X-Vault": w.vault } });

  it("a member agent with the proxy role is refused when the row asks for member, and admitted once it holds member", async () => {
    const table = withRow(PROXY_GET, rowWith({ agent: "member" }));
    const refused = await through(table, proxied(world, world.agent.token));
    expect(refused).toMatchObject({ status: 403, error: "forbidden" });
    expect(refused.text).toContain(`This needs the member role in vault`);
    const member = await inviteAgent(world.company.ownerKey, undefined, [{ vault: world.vault, role: "member" }]);
    expect((await through(table, proxied(world, member.token))).status).toBe(200);
    // The real table still lets the proxy-role agent through: the refusal was the test build's cell.
    expect((await through(PERMISSIONS, proxied(world, world.agent.token))).status).toBe(200);
  });

  it("a row that denies member agents refuses one with the row's refusal, after its gate says which column it sits in; owner agents still pass", async () => {
    const table = withRow(PROXY_GET, rowWith({ agent: "deny" }));
    expect(await through(table, proxied(world, world.agent.token))).toMatchObject({ status: 403, error: "agent_token_required" });
    const ownerAgent = await inviteAgent(world.company.ownerKey, undefined, [], "owner");
    expect((await through(table, proxied(world, ownerAgent.token))).status).toBe(200);
  });

  it("a person's or an API key's token is refused with the row's refusal (agent_token_required) from the table's row, not a rule of the proxy's", async () => {
    const person = await createUser(world.company, "owner");
    for (const token of [world.company.ownerKey, person.token]) {
      expect(await through(PERMISSIONS, proxied(world, token))).toMatchObject({ status: 403, error: "agent_token_required" });
    }
    const reworded = withRow(PROXY_GET, { ...proxyRow, refusal: { code: "forbidden", message: "Not through this door" } });
    const refused = await through(reworded, proxied(world, world.company.ownerKey));
    expect(refused).toMatchObject({ status: 403, error: "forbidden" });
    expect(refused.text).toContain("Not through this door");
  });

  it("every method the proxy forwards has its own row: HEAD and OPTIONS are refused without theirs", async () => {
    for (const method of ["HEAD", "OPTIONS"]) {
      const request = () =>
        new Request(`${BASE}/proxy/${world.host}/r/${requestId()}/x`, {
          method,
          headers: { Authorization: `Bearer ${world.agent.token}`, "X-Vault": world.vault },
        });
      expect((await through(PERMISSIONS, request())).status, method).toBe(200);
      expect((await through(without(`${method} /proxy/{host}/{path}`), request())).status, method).toBe(403);
    }
  });
});
