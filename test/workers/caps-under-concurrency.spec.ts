/**
 * Every cap is counted inside the write it limits (the audit row's guard, or the INSERT's own
 * condition), so requests fired together cannot all pass one count: each test fires 25 at once and
 * counts what landed in D1.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_PENDING_INVITES } from "../../workers/invites/invites.contract.ts";
import { MAX_PENDING_PER_RAISER, MAX_PENDING_PER_VAULT } from "../../workers/proposals/proposals.contract.ts";
import { MAX_PENDING_REGISTRATIONS } from "../../workers/registrations/registrations.contract.ts";
import { MAX_PENDING_HELD_PER_CALLER } from "../../workers/requests/requests.contract.ts";
import { MAX_WEBHOOKS_PER_VAULT } from "../../workers/webhooks/webhooks.contract.ts";
import { call, createCompany, createVault, inviteAgent, type ApiResponse } from "./helpers.ts";
import { heldRequests, heldSetup } from "./held-requests-support.ts";
import { agentName } from "./registrations-support.ts";
import { requestId } from "./upstream.ts";

const PARALLEL = 25;
const SLOW = { timeout: 60_000 };

const fire = (request: (i: number) => Promise<ApiResponse>) => Promise.all(Array.from({ length: PARALLEL }, (_, i) => request(i)));
const statuses = (answers: ApiResponse[]) => answers.map((a) => a.status);
const refusals = (answers: ApiResponse[]) => [...new Set(answers.filter((a) => a.status >= 400).map((a) => `${a.status} ${a.body.error}`))];

async function countRows(sql: string, ...bindings: unknown[]): Promise<number> {
  return (
    (
      await env.DB.prepare(sql)
        .bind(...bindings)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

describe("a proposal cap holds under 25 parallel raises", () => {
  const raise = (token: string, vault: string, key: string) =>
    call("POST", "/v1/proposals", { token, headers: { "X-Vault": vault }, body: { credentials: [{ key }] } });
  const pendingOf = (vault: string, rootId?: string) =>
    countRows(
      `SELECT count(*) AS n FROM proposals p JOIN vaults v ON v.id = p.vault_id WHERE v.name = ? AND p.status = 'pending'${rootId ? " AND p.raised_by_root_id = ?" : ""}`,
      vault,
      ...(rootId ? [rootId] : []),
    );
  const agentId = async (companyId: string, name: string) =>
    (await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(companyId, name).first<{ id: string }>())?.id ?? "";

  it("one raiser lands exactly its 10, and the vault's queue stays open to others", SLOW, async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    const answers = await fire((i) => raise(agent.token, vault, `K${i}`));
    expect(statuses(answers).filter((s) => s === 201)).toHaveLength(MAX_PENDING_PER_RAISER);
    expect(refusals(answers)).toEqual(["429 too_many_pending_proposals"]);
    expect(await pendingOf(vault, await agentId(company.id, agent.name))).toBe(MAX_PENDING_PER_RAISER);
    const other = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
    expect((await raise(other.token, vault, "OTHER")).status).toBe(201);
  });

  it("raisers together land exactly the vault's 20", SLOW, async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const raisers = await Promise.all(Array.from({ length: 5 }, () => inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }])));
    const answers = await fire((i) => raise(raisers[i % raisers.length]?.token ?? "", vault, `K${i}`));
    expect(statuses(answers).filter((s) => s === 201)).toHaveLength(MAX_PENDING_PER_VAULT);
    expect(refusals(answers)).toEqual(["429 too_many_pending_proposals"]);
    expect(await pendingOf(vault)).toBe(MAX_PENDING_PER_VAULT);
  });
});

describe("the webhook cap holds under 25 parallel additions", () => {
  it("exactly 10 webhooks land in the vault", SLOW, async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const answers = await fire((i) =>
      call("POST", `/v1/vaults/${vault}/webhooks`, { token: company.ownerKey, body: { url: `https://hooks.example.com/${i}` } }),
    );
    expect(statuses(answers).filter((s) => s === 201)).toHaveLength(MAX_WEBHOOKS_PER_VAULT);
    expect(refusals(answers)).toEqual(["400 too_many_webhooks"]);
    const landed = await countRows(
      "SELECT count(*) AS n FROM webhooks w JOIN vaults v ON v.id = w.vault_id WHERE v.company_id = ? AND v.name = ?",
      company.id,
      vault,
    );
    expect(landed).toBe(MAX_WEBHOOKS_PER_VAULT);
  });
});

describe("the pending invite cap holds under 25 parallel invites", () => {
  const invite = (token: string, name: string) => call("POST", "/v1/agents/invites", { token, body: { name } });
  const pendingInvites = (companyId: string) =>
    countRows("SELECT count(*) AS n FROM invites WHERE company_id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", companyId, Date.now());

  it("with 30 pending, exactly 20 more land (cap 50)", SLOW, async () => {
    const company = await createCompany();
    const filled = MAX_PENDING_INVITES - 20;
    for (let i = 0; i < filled; i++) expect((await invite(company.ownerKey, `filler-${i}`)).status).toBe(201);
    const answers = await fire((i) => invite(company.ownerKey, `racer-${i}`));
    expect(statuses(answers).filter((s) => s === 201)).toHaveLength(20);
    expect(refusals(answers)).toEqual(["429 too_many_invites"]);
    expect(await pendingInvites(company.id)).toBe(MAX_PENDING_INVITES);
  });

  it("one new agent's name gets exactly one pending invite", SLOW, async () => {
    const company = await createCompany();
    const answers = await fire(() => invite(company.ownerKey, "same-name"));
    expect(statuses(answers).filter((s) => s === 201)).toHaveLength(1);
    expect(refusals(answers)).toEqual(["409 invite_pending"]);
    expect(await pendingInvites(company.id)).toBe(1);
  });
});

describe("the pending registration cap holds under 25 parallel registrations", () => {
  it("with 90 pending, exactly 10 more land (cap 100)", SLOW, async () => {
    const company = await createCompany();
    const filled = MAX_PENDING_REGISTRATIONS - 10;
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: filled }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO registrations (id, company_id, name, requested_capabilities, claim_secret_hash, created_at) VALUES (?, ?, ?, '[]', ?, ?)",
        ).bind(`reg_race${i}x${company.id.replace(/-/g, "")}`.slice(0, 60), company.id, `filler-${i}`, "0".repeat(64), now),
      ),
    );
    const answers = await fire(() => call("POST", `/v1/companies/${company.id}/agents/register`, { body: { name: agentName(), capabilities: [] } }));
    expect(statuses(answers).filter((s) => s === 201)).toHaveLength(10);
    expect(refusals(answers)).toEqual(["429 too_many_registrations"]);
    expect(await countRows("SELECT count(*) AS n FROM registrations WHERE company_id = ? AND status = 'pending'", company.id)).toBe(MAX_PENDING_REGISTRATIONS);
  });
});

describe("the company's last owner credential stays under 25 parallel key revocations", () => {
  it("25 keys, each revoking itself at once: exactly 24 go, one stays and still works", SLOW, async () => {
    const company = await createCompany();
    const created = await Promise.all(
      Array.from({ length: PARALLEL - 1 }, () => call("POST", "/v1/api-keys", { token: company.ownerKey, body: { label: "k" } })),
    );
    const first = (await call("GET", "/v1/api-keys", { token: company.ownerKey })).body.api_keys as { id: string; label: string }[];
    const keys = [
      { id: first.find((k) => k.label === "owner")?.id ?? "", token: company.ownerKey },
      ...created.map((k) => ({ id: k.body.id as string, token: k.body.token as string })),
    ];
    expect(keys).toHaveLength(PARALLEL);
    const answers = await fire((i) => call("DELETE", `/v1/api-keys/${keys[i]?.id}`, { token: keys[i]?.token }));
    expect(statuses(answers).filter((s) => s === 200)).toHaveLength(PARALLEL - 1);
    expect(refusals(answers)).toEqual(["409 last_owner_credential"]);
    expect(await countRows("SELECT count(*) AS n FROM api_keys WHERE company_id = ? AND revoked_at IS NULL", company.id)).toBe(1);
    const survivor = keys[statuses(answers).indexOf(409)];
    expect((await call("GET", "/v1/company", { token: survivor?.token })).status).toBe(200);
  });
});

describe("one caller holds at most 8 of a vault's calls waiting for a person, under 12 parallel calls", () => {
  it("exactly 8 of one agent's calls wait, the rest are 429 naming its own limit, and another agent still gets its calls held", SLOW, async () => {
    const s = await heldSetup();
    const controller = new AbortController();
    const send = (token: string, i: number) =>
      SELF.fetch(`https://edge.test/proxy/${s.host}/r/${requestId()}/deploy/${i}`, {
        headers: { Authorization: `Bearer ${token}`, "X-Vault": s.vault },
        signal: controller.signal,
      }).catch(() => undefined);
    // The held calls wait for a person: only the refused ones answer, and the test waits for them (with a broken cap, it times out).
    const refused: Response[] = [];
    let allRefused = () => {};
    const refusalsIn = new Promise<void>((resolve) => {
      allRefused = resolve;
    });
    const calls = Array.from({ length: 12 }, (_, i) =>
      send(s.agent.token, i).then((res) => {
        if (res && refused.push(res) === 12 - MAX_PENDING_HELD_PER_CALLER) allRefused();
      }),
    );
    await refusalsIn;
    const waiting = await heldRequests(s, "pending", MAX_PENDING_HELD_PER_CALLER);
    expect(refused).toHaveLength(12 - MAX_PENDING_HELD_PER_CALLER);
    for (const res of refused) {
      const body = (await res.json()) as { error: string; message: string; limit: string };
      expect([res.status, body.error, body.limit]).toEqual([429, "too_many_held_requests", "caller"]);
      expect(body.message).toContain(`You already have ${MAX_PENDING_HELD_PER_CALLER} requests waiting`);
    }
    expect(waiting).toHaveLength(MAX_PENDING_HELD_PER_CALLER);
    expect(await countRows("SELECT count(*) AS n FROM held_requests WHERE company_id = ? AND status = 'pending'", s.company.id)).toBe(
      MAX_PENDING_HELD_PER_CALLER,
    );

    const other = await inviteAgent(s.company.ownerKey, undefined, [{ vault: s.vault, role: "proxy" }]);
    const otherCall = send(other.token, 99);
    expect(await heldRequests(s, "pending", MAX_PENDING_HELD_PER_CALLER + 1)).toHaveLength(MAX_PENDING_HELD_PER_CALLER + 1);
    controller.abort();
    await Promise.all([...calls, otherCall]);
  });
});
