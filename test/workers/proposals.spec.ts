import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { recorded, recordedSettled, requestId, upstreamUrl } from "./upstream.ts";

async function setup() {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  // These proposals add services: deciding them needs an admin of the vault (proposals/actions/decide.actions.ts).
  const reviewer = await createUser(company);
  await call("POST", `/v1/vaults/${vault}/users`, { token: company.ownerKey, body: { email: reviewer.email, role: "admin" } });
  return { company, vault, agent, reviewer };
}

const stripeProposal = (host = `${unique("api").slice(0, 30)}.example.com`) => ({
  services: [{ action: "set", name: "stripe", host, upstream: upstreamUrl(), auth: { type: "bearer", token: "STRIPE_KEY" } }],
  credentials: [
    {
      action: "set",
      key: "STRIPE_KEY",
      description: "Stripe secret key",
      obtain: "https://dashboard.stripe.com/apikeys",
      obtain_instructions: "Create a restricted key",
    },
  ],
  message: "I need to list charges",
});

function raise(s: { agent: { token: string }; vault: string }, body: unknown) {
  return call("POST", "/v1/proposals", { token: s.agent.token, headers: { "X-Vault": s.vault }, body });
}

describe("proposals: raise, read, decide", () => {
  it("an agent raises; a vault admin approves with the value; services and credential are applied; the proxy call then works", async () => {
    const s = await setup();
    const host = `${unique("api").slice(0, 30)}.example.com`;
    const raised = await raise(s, stripeProposal(host));
    expect(raised.status).toBe(201);
    expect(raised.body).toMatchObject({ status: "pending", vault: s.vault });
    const id = raised.body.id as string;
    expect(raised.body.approval_url as string).toMatch(new RegExp(`^https://edge.test/approve/${id}\\?token=evp_`));

    const before = await SELF.fetch(`https://edge.test/proxy/${host}/r/x`, { headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault } });
    expect(before.status).toBe(403);

    const read = await call("GET", `/v1/proposals/${id}`, { token: s.agent.token });
    expect(read.body).toMatchObject({
      id,
      status: "pending",
      message: "I need to list charges",
      credentials: [{ key: "STRIPE_KEY", has_value: false, obtain: "https://dashboard.stripe.com/apikeys" }],
    });

    const approved = await call("POST", `/v1/proposals/${id}/approve`, {
      token: s.reviewer.token,
      body: { credentials: { STRIPE_KEY: "sk_live_from_human" } },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("applied");
    expect(approved.text).not.toContain("sk_live_from_human");

    expect((await call("GET", `/v1/proposals/${id}`, { token: s.agent.token })).body.status).toBe("applied");
    const rid = requestId();
    const after = await SELF.fetch(`https://edge.test/proxy/${host}/r/${rid}/v1/charges`, {
      headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault },
    });
    expect(after.status).toBe(200);
    expect((await recorded(rid))[0]?.headers.authorization).toBe("Bearer sk_live_from_human");

    const again = await call("POST", `/v1/proposals/${id}/reject`, { token: s.reviewer.token, body: { reason: "too late" } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("proposal_not_pending");
  });

  it("agents, sessions, API keys and proxy-role users can never decide, even holding the approval URL", async () => {
    const s = await setup();
    const raised = await raise(s, stripeProposal());
    const id = raised.body.id as string;
    const token = new URL(raised.body.approval_url as string).searchParams.get("token") ?? "";
    const session = await call("POST", "/v1/sessions", { token: s.company.ownerKey, body: { vault: s.vault } });
    const proxyUser = await createUser(s.company);
    await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: proxyUser.email, role: "proxy" } });
    for (const caller of [s.agent.token, session.body.token as string, s.company.ownerKey]) {
      const res = await call("POST", `/v1/proposals/${id}/approve`, { token: caller, body: { credentials: { STRIPE_KEY: "x" }, token } });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("human_required");
    }
    expect((await call("POST", `/v1/proposals/${id}/approve`, { token: proxyUser.token, body: { credentials: { STRIPE_KEY: "x" }, token } })).status).toBe(403);
    expect((await call("GET", `/v1/proposals/${id}`, { token: s.agent.token })).body.status).toBe("pending");
  });

  it("bad input: missing slot value, unknown key, approval token of another proposal", async () => {
    const s = await setup();
    const a = await raise(s, stripeProposal());
    const b = await raise(s, stripeProposal());
    const tokenB = new URL(b.body.approval_url as string).searchParams.get("token") ?? "";
    const missing = await call("POST", `/v1/proposals/${a.body.id as string}/approve`, { token: s.reviewer.token, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("missing_credential_value");
    const unknownKey = await call("POST", `/v1/proposals/${a.body.id as string}/approve`, {
      token: s.reviewer.token,
      body: { credentials: { STRIPE_KEY: "x", OTHER: "y" } },
    });
    expect(unknownKey.body.error).toBe("unknown_credential_key");
    const mismatch = await call("POST", `/v1/proposals/${a.body.id as string}/approve`, {
      token: s.reviewer.token,
      body: { credentials: { STRIPE_KEY: "x" }, token: tokenB },
    });
    expect(mismatch.status).toBe(403);
    expect(mismatch.body.error).toBe("approval_token_mismatch");
    const services = await call("GET", `/v1/vaults/${s.vault}/services`, { token: s.company.ownerKey });
    expect(JSON.stringify(services.body)).not.toContain("stripe"); // nothing half-applied
  });

  it("refuses bad proposals with specific codes", async () => {
    const s = await setup();
    const cases: [unknown, string][] = [
      [{ services: [], credentials: [] }, "empty_proposal"],
      [{ credentials: [{ key: "A" }, { key: "A" }] }, "duplicate_slot"],
      [{ services: [{ name: "x", host: "a.example.com", auth: { type: "bearer", token: "NOPE" } }] }, "unknown_credential_key"],
      [{ services: [{ name: "x", host: "169.254.169.254", auth: { type: "passthrough" } }] }, "invalid_host"],
      [{ services: [{ name: "x", host: "*.com", auth: { type: "passthrough" } }] }, "invalid_host"],
      [{ credentials: [{ key: "A" }], message: "x".repeat(2001) }, "invalid_request"],
      [{ credentials: [{ key: "A", obtain: "javascript:alert(1)" }] }, "invalid_request"],
      [{ credentials: Array.from({ length: 11 }, (_, i) => ({ key: `K${i}` })) }, "invalid_request"],
      [{ services: [{ action: "delete", name: "nothing" }] }, "unknown_service"],
      [{ credentials: [{ key: "A", surprise: 1 }] }, "unknown_field"],
    ];
    for (const [body, code] of cases) {
      const res = await raise(s, body);
      expect(res.status, code).toBe(400);
      expect(res.body.error, JSON.stringify(body).slice(0, 80)).toBe(code);
    }
  });

  it("more than 10 pending per raiser (with its sessions), or 20 per vault → 429; one raiser cannot lock the others out", async () => {
    const s = await setup();
    for (let i = 0; i < 10; i++) expect((await raise(s, { credentials: [{ key: `K${i}` }] })).status).toBe(201);
    const mine = await raise(s, { credentials: [{ key: "ONE_MORE" }] });
    expect(mine).toMatchObject({ status: 429, body: { error: "too_many_pending_proposals" } });
    // The sessions it mints count as the same raiser.
    await call("POST", `/v1/vaults/${s.vault}/agents`, { token: s.company.ownerKey, body: { agent: s.agent.name, role: "member" } });
    const session = await call("POST", "/v1/sessions", { token: s.agent.token, body: { vault: s.vault } });
    expect((await call("POST", "/v1/proposals", { token: session.body.token as string, body: { credentials: [{ key: "VIA_SESSION" }] } })).status).toBe(429);
    // Others still can, up to the vault's 20.
    const other = await inviteAgent(s.company.ownerKey, undefined, [{ vault: s.vault, role: "proxy" }]);
    for (let i = 0; i < 10; i++) expect((await raise({ agent: other, vault: s.vault }, { credentials: [{ key: `O${i}` }] })).status).toBe(201);
    const third = await inviteAgent(s.company.ownerKey, undefined, [{ vault: s.vault, role: "proxy" }]);
    const over = await raise({ agent: third, vault: s.vault }, { credentials: [{ key: "ONE_MORE" }] });
    expect(over).toMatchObject({ status: 429, body: { error: "too_many_pending_proposals" } });
  });

  it("two approvals at once: one 200, one 409", async () => {
    const s = await setup();
    const raised = await raise(s, stripeProposal());
    const id = raised.body.id as string;
    const second = await createUser(s.company, "owner");
    const [a, b] = await Promise.all([
      call("POST", `/v1/proposals/${id}/approve`, { token: s.reviewer.token, body: { credentials: { STRIPE_KEY: "one" } } }),
      call("POST", `/v1/proposals/${id}/approve`, { token: second.token, body: { credentials: { STRIPE_KEY: "two" } } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });

  it("a value sent back by the agent is sealed, never shown, and stored on approval", async () => {
    const s = await setup();
    const raised = await raise(s, { credentials: [{ key: "RESULT_TOKEN", value: "value-from-agent" }], message: "store this" });
    const id = raised.body.id as string;
    const view = await call("GET", `/v1/proposals/${id}`, { token: s.reviewer.token });
    expect(view.body.credentials).toEqual([{ action: "set", key: "RESULT_TOKEN", has_value: true, sent_to: [] }]);
    const row = await env.DB.prepare("SELECT * FROM proposals WHERE id = ?").bind(id).first();
    expect(JSON.stringify(row)).not.toContain("value-from-agent");
    expect((await call("POST", `/v1/proposals/${id}/approve`, { token: s.reviewer.token, body: {} })).status).toBe(200);
    expect((await call("GET", `/v1/credentials?vault=${s.vault}`, { token: s.company.ownerKey })).body.keys).toEqual(["RESULT_TOKEN"]);
  });

  it("reject with a reason; proxy-role actors list only their own", async () => {
    const s = await setup();
    const mine = await raise(s, { credentials: [{ key: "A" }] });
    const other = await inviteAgent(s.company.ownerKey, undefined, [{ vault: s.vault, role: "proxy" }]);
    await call("POST", "/v1/proposals", { token: other.token, headers: { "X-Vault": s.vault }, body: { credentials: [{ key: "B" }] } });
    const rejected = await call("POST", `/v1/proposals/${mine.body.id as string}/reject`, { token: s.reviewer.token, body: { reason: "not needed" } });
    expect(rejected.body).toMatchObject({ status: "rejected", review_note: "not needed" });
    const agentList = await call("GET", "/v1/proposals", { token: s.agent.token, headers: { "X-Vault": s.vault } });
    expect((agentList.body.proposals as { id: string }[]).map((p) => p.id)).toEqual([mine.body.id]);
    const reviewerList = await call("GET", `/v1/proposals?vault=${s.vault}&status=pending`, { token: s.reviewer.token });
    expect((reviewerList.body.proposals as unknown[]).length).toBe(1);
    const theirs = (reviewerList.body.proposals as { id: string }[])[0]?.id ?? "";
    expect((await call("GET", `/v1/proposals/${theirs}`, { token: s.agent.token })).status).toBe(404);
    const foreign = await createCompany();
    expect((await call("GET", `/v1/proposals/${theirs}`, { token: foreign.ownerKey })).status).toBe(404);
  });
});

describe("waiting for a decision", () => {
  it("?wait holds the request in the Durable Object and returns as soon as the decision lands", async () => {
    const s = await setup();
    const raised = await raise(s, { credentials: [{ key: "A" }] });
    const id = raised.body.id as string;
    const waiting = call("GET", `/v1/proposals/${id}?wait=30`, { token: s.agent.token });
    const reject = await call("POST", `/v1/proposals/${id}/reject`, { token: s.reviewer.token, body: { reason: "no" } });
    expect(reject.status).toBe(200);
    const answered = await waiting;
    expect(answered.body).toMatchObject({ id, status: "rejected", review_note: "no" });
  });

  it("plain polling by the raiser costs no D1 read", async () => {
    const { d1QueryCount } = await import("../../workers/db/query-counter.ts");
    const s = await setup();
    const raised = await raise(s, { credentials: [{ key: "A" }] });
    await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.agent.token });
    const before = d1QueryCount();
    const polled = await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: s.agent.token });
    expect(polled.body.status).toBe("pending");
    expect(d1QueryCount() - before).toBe(0);
  });

  it("pending proposals expire after 7 days through the Durable Object's alarm", async () => {
    const s = await setup();
    const raised = await raise(s, { credentials: [{ key: "A" }] });
    const id = raised.body.id as string;
    const stub = env.PROPOSAL_WATCH.getByName(`proposal:${id}`);
    const { runInDurableObject } = await import("cloudflare:test");
    await runInDurableObject(stub, async (_instance, state) => {
      const record = (await state.storage.get("record")) as { expiresAt: number };
      await state.storage.put("record", { ...record, expiresAt: Date.now() - 1 });
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const view = await call("GET", `/v1/proposals/${id}`, { token: s.agent.token });
    expect(view.body.status).toBe("expired");
    const row = await env.DB.prepare("SELECT status FROM proposals WHERE id = ?").bind(id).first<{ status: string }>();
    expect(row?.status).toBe("expired");
  });
});

describe("webhooks", () => {
  it("signed deliveries on created and applied; no credential value in any payload", async () => {
    const s = await setup();
    const id = requestId();
    const hook = await call("POST", `/v1/vaults/${s.vault}/webhooks`, { token: s.company.ownerKey, body: { url: upstreamUrl(`/r/${id}/hook`) } });
    expect(hook.status).toBe(201);
    const secret = hook.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const listed = await call("GET", `/v1/vaults/${s.vault}/webhooks`, { token: s.company.ownerKey });
    expect(listed.text).not.toContain(secret);

    const raised = await raise(s, stripeProposal());
    const proposalId = raised.body.id as string;
    await call("POST", `/v1/proposals/${proposalId}/approve`, { token: s.reviewer.token, body: { credentials: { STRIPE_KEY: "sk_never_in_payload" } } });
    // Deliveries go out from the proposal's Durable Object; the upstream answers once both arrived.
    const got = await recordedSettled(id, 2);
    expect(got.map((r) => r.headers["x-edgevault-event"]).sort()).toEqual(["proposal.applied", "proposal.created"]);
    for (const delivery of got) {
      expect(delivery.bodyText).not.toContain("sk_never_in_payload");
      expect(delivery.bodyText).not.toContain(secret);
      const signature = String(delivery.headers["x-edgevault-signature"]);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
      const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${delivery.bodyText}`));
      expect([...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(v1);
      expect(JSON.parse(delivery.bodyText).proposal.id).toBe(proposalId);
    }
    const created = got.find((r) => r.headers["x-edgevault-event"] === "proposal.created");
    expect(JSON.parse(created?.bodyText ?? "{}").proposal.approval_url).toBe(raised.body.approval_url);
  });

  it("refuses private or non-https webhook URLs and non-admins", async () => {
    const s = await setup();
    for (const url of ["ftp://example.com/x", "https://169.254.169.254/latest", "https://user:pw@example.com/", "not a url"]) {
      const res = await call("POST", `/v1/vaults/${s.vault}/webhooks`, { token: s.company.ownerKey, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toBe("invalid_webhook_url");
    }
    const memberUser = await createUser(s.company);
    await call("POST", `/v1/vaults/${s.vault}/users`, { token: s.company.ownerKey, body: { email: memberUser.email, role: "member" } });
    const member = await call("POST", `/v1/vaults/${s.vault}/webhooks`, { token: memberUser.token, body: { url: "https://hooks.example.com/x" } });
    expect(member.status).toBe(403);
  });
});

describe("webhook retries", () => {
  it("a failed delivery is retried from the proposal's alarm until it succeeds or runs out", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const s = await setup();
    const id = requestId();
    await call("POST", `/v1/vaults/${s.vault}/webhooks`, {
      token: s.company.ownerKey,
      body: { url: upstreamUrl(`/r/${id}/status/500`), events: ["proposal.created"] },
    });
    const raised = await raise(s, { credentials: [{ key: "A" }] });
    expect((await recordedSettled(id, 1)).length).toBe(1);
    const stub = env.PROPOSAL_WATCH.getByName(`proposal:${raised.body.id as string}`);
    // The retry is scheduled 10 s out; bring it forward instead of waiting.
    await runInDurableObject(stub, async (_instance, state) => {
      const queued = (await state.storage.get("deliveries")) as { nextAt: number; attempts: number }[];
      expect(queued).toHaveLength(1);
      expect(queued[0]?.attempts).toBe(1);
      await state.storage.put(
        "deliveries",
        queued.map((d) => ({ ...d, nextAt: Date.now() - 1 })),
      );
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await recordedSettled(id, 2)).length).toBe(2);
    await runInDurableObject(stub, async (_instance, state) => {
      const queued = (await state.storage.get("deliveries")) as { attempts: number }[];
      expect(queued[0]?.attempts).toBe(2);
    });
  });
});
