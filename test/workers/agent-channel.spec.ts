/**
 * The agent channel (seed 004: "agents register automatically via the WebSocket channel when they
 * first connect"), as docs/agents.md describes it: registering over a socket and receiving the
 * decision there, an agent's presence from its open channels, and channels closed when the token
 * they were opened with ends. Every wait is on a frame, a close or a response: no sleeps.
 */
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PRESENCE_LEASE_MS } from "../../durable-objects/agent-channels.ts";
import { agentGate, BASE, call, createCompany, createUser, createVault, inviteAgent, redeem, type Json, type TestCompany } from "./helpers.ts";

type Frame = Json & { type: string };
type Closed = { code: number; reason: string };

/** A client's end of a channel: frames in arrival order, and how it closed. */
type Channel = { next(): Promise<Frame>; send(frame: unknown): void; close(): void; closed: Promise<Closed>; protocol: string | null };

async function upgrade(path: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { Upgrade: "websocket", ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return SELF.fetch(`${BASE}${path}`, { headers });
}

function channelOf(response: Response): Channel {
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw new Error(`expected 101, got ${response.status}`);
  const frames: Frame[] = [];
  const waiting: ((frame: Frame) => void)[] = [];
  let resolveClosed: (closed: Closed) => void = () => {};
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data as string) as Frame;
    const waiter = waiting.shift();
    if (waiter) waiter(frame);
    else frames.push(frame);
  });
  ws.addEventListener("close", (event) => resolveClosed({ code: event.code, reason: event.reason }));
  ws.accept();
  return {
    next: () => {
      const frame = frames.shift();
      if (frame) return Promise.resolve(frame);
      return Promise.race([
        new Promise<Frame>((resolve) => waiting.push(resolve)),
        closed.then((c) => Promise.reject(new Error(`closed (${c.code} ${c.reason}) while a frame was awaited`))),
      ]);
    },
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    close: () => ws.close(1000, "bye"),
    closed,
    protocol: response.headers.get("Sec-WebSocket-Protocol"),
  };
}

let address = 0;
/** Each registration channel from its own client address, under the per-address throttle. */
const freshAddress = () => {
  address += 1;
  return `198.51.${address >> 8}.${address & 255}`;
};

async function registrationChannel(company: TestCompany): Promise<Channel> {
  return channelOf(await upgrade(`/v1/companies/${company.id}/agents/channel`, { headers: { "CF-Connecting-IP": freshAddress() } }));
}

const agentName = () => `ws-${crypto.randomUUID().slice(0, 8)}`;

async function registerOver(channel: Channel, name: string, capabilities = ["api_call", "file_access"]): Promise<Frame> {
  channel.send({ type: "register", name, version: "1.0.0", capabilities });
  return channel.next();
}

type Listing = { agents: { name: string; isOnline: boolean }[]; online: number; total: number };
async function listing(company: TestCompany, name: string): Promise<{ isOnline: boolean | undefined; online: number }> {
  const res = await call("GET", `/v1/agents?q=${name}`, { token: company.ownerKey });
  const body = res.body as unknown as Listing;
  return { isOnline: body.agents.find((a) => a.name === name)?.isOnline, online: body.online };
}

/**
 * Waits until the agent's gate has seen its channels close and D1 agrees. A close the client
 * started reaches the gate on its own schedule, so each call asks the gate again (one round trip
 * each); the gate records presence before it answers.
 */
async function settled(company: TestCompany, name: string, open: number): Promise<void> {
  const gate = await agentGate(company.id, name);
  for (let attempt = 0; attempt < 100; attempt++) if ((await gate.openChannels()) === open) return;
  throw new Error(`the gate still holds another number of channels than ${open}`);
}

const onlineUntil = async (company: TestCompany, name: string) =>
  (await env.DB.prepare("SELECT online_until FROM agents WHERE company_id = ? AND name = ?").bind(company.id, name).first<{ online_until: number | null }>())
    ?.online_until ?? null;

describe("registration over the channel", () => {
  it("registers with the first frame, receives the approval with its token once, and the token works", async () => {
    const company = await createCompany();
    const name = agentName();
    const channel = await registrationChannel(company);
    channel.send({ type: "ping" });
    expect(await channel.next()).toEqual({ type: "pong" });

    const registered = await registerOver(channel, name);
    expect(registered).toMatchObject({ type: "registered", agentId: name, status: "pending", message: "Agent registered. Awaiting admin approval." });
    expect(registered.registrationId).toMatch(/^reg_/);
    expect(registered.claim_token).toMatch(/^evr_/);
    const pending = await call("GET", "/v1/registrations", { token: company.ownerKey });
    expect((pending.body.registrations as { id: string; name: string }[]).map((r) => r.name)).toContain(name);

    const approve = await call("POST", `/v1/registrations/${registered.registrationId}/approve`, {
      token: company.ownerKey,
      body: { capabilities: ["api_call"] },
    });
    expect(approve.status).toBe(200);
    const approved = await channel.next();
    expect(approved).toMatchObject({
      type: "approved",
      agentId: name,
      spiffeId: `spiffe://${env.TRUST_DOMAIN}/company/${company.id}/agent/${name}`,
      capabilities: ["api_call"],
      realm: null,
    });
    expect(await channel.closed).toEqual({ code: 1000, reason: "approved" });

    const whoami = await call("GET", "/v1/whoami", { token: approved.token as string });
    expect(whoami.status).toBe(200);
    expect(whoami.body).toMatchObject({ kind: "agent", name });
    // The push was the claim: the claim token has nothing left to collect.
    const claim = await call("POST", "/v1/registrations/claim", { body: { claim_token: registered.claim_token } });
    expect(claim.status).toBe(410);
    expect(claim.body.error).toBe("registration_claimed");
  });

  it("receives a rejection with its reason, then the channel closes; the claim token says rejected", async () => {
    const company = await createCompany();
    const channel = await registrationChannel(company);
    const registered = await registerOver(channel, agentName());
    const reason = "Needs a security review first.";
    expect((await call("POST", `/v1/registrations/${registered.registrationId}/reject`, { token: company.ownerKey, body: { reason } })).status).toBe(200);
    expect(await channel.next()).toEqual({ type: "rejected", reason });
    expect(await channel.closed).toEqual({ code: 1000, reason: "rejected" });
    const claim = await call("POST", "/v1/registrations/claim", { body: { claim_token: registered.claim_token } });
    expect(claim.status).toBe(403);
    expect(claim.body).toMatchObject({ error: "registration_rejected", reason });
  });

  it("a decision through Vaultys' /api face reaches the channel as well", async () => {
    const company = await createCompany();
    const name = agentName();
    const channel = await registrationChannel(company);
    const registered = await registerOver(channel, name);
    const approve = await call("POST", `/api/registrations/${registered.registrationId}/approve`, {
      token: company.ownerKey,
      body: { capabilities: ["file_access"] },
    });
    expect(approve.status).toBe(200);
    expect(await channel.next()).toMatchObject({ type: "approved", agentId: name, capabilities: ["file_access"] });
    expect((await channel.closed).code).toBe(1000);
  });

  it("an agent whose channel is gone before the decision claims its token over HTTP", async () => {
    const company = await createCompany();
    const name = agentName();
    const channel = await registrationChannel(company);
    const registered = await registerOver(channel, name);
    channel.close();
    await channel.closed;
    expect((await call("POST", `/v1/registrations/${registered.registrationId}/approve`, { token: company.ownerKey, body: { capabilities: [] } })).status).toBe(
      200,
    );
    const claim = await call("POST", "/v1/registrations/claim", { body: { claim_token: registered.claim_token } });
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({ status: "approved", agentId: name });
    expect((await call("GET", "/v1/whoami", { token: claim.body.token as string })).status).toBe(200);
  });

  it("a refused registration is an error frame, then a close with 4000 + its HTTP status", async () => {
    const company = await createCompany();
    const taken = await inviteAgent(company.ownerKey);
    const exists = await registrationChannel(company);
    expect(await registerOver(exists, taken.name)).toMatchObject({ type: "error", error: "agent_exists" });
    expect(await exists.closed).toEqual({ code: 4409, reason: "agent_exists" });

    const unknown = await registrationChannel(company);
    expect(await registerOver(unknown, agentName(), ["teleport"])).toMatchObject({ type: "error", error: "unknown_capability" });
    expect((await unknown.closed).code).toBe(4400);

    const res = await upgrade("/v1/companies/no-such-company/agents/channel", { headers: { "CF-Connecting-IP": freshAddress() } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toBe("company_not_found");
  });

  it("opening a registration channel counts as a registration attempt of its client address", async () => {
    const company = await createCompany();
    const ip = freshAddress();
    for (let i = 0; i < 10; i++) {
      const res = await upgrade(`/v1/companies/${company.id}/agents/channel`, { headers: { "CF-Connecting-IP": ip } });
      expect(res.status).toBe(101);
      const channel = channelOf(res);
      channel.close();
      await channel.closed;
    }
    const refused = await upgrade(`/v1/companies/${company.id}/agents/channel`, { headers: { "CF-Connecting-IP": ip } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(((await refused.json()) as Json).error).toBe("too_many_attempts");
    const http = await call("POST", `/v1/companies/${company.id}/agents/register`, {
      headers: { "CF-Connecting-IP": ip },
      body: { name: agentName(), capabilities: [] },
    });
    expect(http.status).toBe(429);
  });
});

describe("bad frames: an error frame and a close, never an exception", () => {
  const cases: [string, unknown, string][] = [
    ["not JSON", "{nope", "bad_frame"],
    ["a JSON array", "[1,2]", "bad_frame"],
    ["no type", { name: "x" }, "bad_frame"],
    ["an unknown type", { type: "teleport" }, "bad_frame"],
    ["a register frame without a name", { type: "register", capabilities: [] }, "missing_field"],
    ["an unknown field", { type: "register", name: "field-test", capabilities: [], admin: true }, "unknown_field"],
    ["a bad name", { type: "register", name: "Bad Name!", capabilities: [] }, "invalid_request"],
    ["an oversized frame", { type: "register", name: "big-one", capabilities: [], publicKey: "k".repeat(20_000) }, "bad_frame"],
  ];
  for (const [what, frame, code] of cases) {
    it(`registration channel: ${what} → ${code}`, async () => {
      const channel = await registrationChannel(await createCompany());
      channel.send(frame);
      expect(await channel.next()).toMatchObject({ type: "error", error: code });
      expect(await channel.closed).toEqual({ code: 4400, reason: code });
    });
  }

  it("registration channel: a binary frame, and a second register", async () => {
    const company = await createCompany();
    const binary = await registrationChannel(company);
    binary.send(new Uint8Array([1, 2, 3]));
    expect(await binary.next()).toMatchObject({ type: "error", error: "bad_frame" });
    expect((await binary.closed).code).toBe(4400);

    const twice = await registrationChannel(company);
    await registerOver(twice, agentName());
    twice.send({ type: "register", name: agentName(), capabilities: [] });
    expect(await twice.next()).toMatchObject({ type: "error", error: "unexpected_frame" });
    expect(await twice.closed).toEqual({ code: 4400, reason: "unexpected_frame" });
  });

  it("agent channel: anything but ping is refused; pings in any spelling are answered", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const channel = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
    channel.send({ type: "ping" });
    expect(await channel.next()).toEqual({ type: "pong" });
    channel.send(' { "type" : "ping" } ');
    expect(await channel.next()).toEqual({ type: "pong" });
    channel.send({ type: "register", name: "again", capabilities: [] });
    expect(await channel.next()).toMatchObject({ type: "error", error: "unexpected_frame" });
    expect(await channel.closed).toEqual({ code: 4400, reason: "unexpected_frame" });
  });
});

describe("an agent is online while its channel is open", () => {
  it("list and detail say online from the first socket until the last closes, and the count follows", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    expect(await listing(company, agent.name)).toEqual({ isOnline: false, online: 0 });

    const first = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
    // Recorded before the socket was handed over.
    expect(await listing(company, agent.name)).toEqual({ isOnline: true, online: 1 });
    expect((await call("GET", `/v1/agents/${agent.name}`, { token: company.ownerKey })).body.isOnline).toBe(true);
    expect((await call("GET", "/v1/agents?online=true", { token: company.ownerKey })).body.total).toBe(1);

    const second = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
    first.close();
    await first.closed;
    await settled(company, agent.name, 1);
    expect(await listing(company, agent.name)).toEqual({ isOnline: true, online: 1 });

    second.close();
    await second.closed;
    await settled(company, agent.name, 0);
    expect(await listing(company, agent.name)).toEqual({ isOnline: false, online: 0 });
    expect((await call("GET", "/v1/agents?online=false", { token: company.ownerKey })).body.total).toBe(1);
    // Having been connected counts as seen.
    expect((await call("GET", `/v1/agents/${agent.name}`, { token: company.ownerKey })).body.lastSeen).not.toBeNull();
  });

  it("presence is a lease the gate's alarm renews while a channel is open: a dead object's agent goes offline by itself", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const channel = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
    const first = (await onlineUntil(company, agent.name)) ?? 0;
    // Bounded: an object that dies without closing leaves the agent online at most one lease longer.
    expect(first - Date.now()).toBeLessThanOrEqual(PRESENCE_LEASE_MS);
    expect(first).toBeGreaterThan(Date.now());

    const gate = await agentGate(company.id, agent.name);
    expect(await runDurableObjectAlarm(gate)).toBe(true);
    expect((await onlineUntil(company, agent.name)) ?? 0).toBeGreaterThanOrEqual(first);
    // Renewed again and again while the socket is open.
    expect(await runDurableObjectAlarm(gate)).toBe(true);

    channel.close();
    await channel.closed;
    await settled(company, agent.name, 0);
    expect(await onlineUntil(company, agent.name)).toBeNull();

    // What a dead object leaves behind: a lease nobody renews. Once it has run out, the agent is offline.
    await env.DB.prepare("UPDATE agents SET online_until = ? WHERE company_id = ? AND name = ?")
      .bind(Date.now() - 1, company.id, agent.name)
      .run();
    expect(await listing(company, agent.name)).toEqual({ isOnline: false, online: 0 });
  });
});

describe("a channel lives only as long as the token it was opened with", () => {
  it("rotation closes it with 4001 token_revoked; the new token opens a new one", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const channel = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
    const rotation = await call("POST", `/v1/agents/${agent.name}/rotate`, { token: company.ownerKey });
    const redeemed = await redeem(rotation.body.invite_url as string);
    expect(redeemed.status).toBe(200);
    expect(await channel.next()).toMatchObject({ type: "error", error: "token_revoked" });
    expect(await channel.closed).toEqual({ code: 4001, reason: "token_revoked" });
    // Closed, and recorded, before the rotation answered.
    expect(await listing(company, agent.name)).toEqual({ isOnline: false, online: 0 });

    expect((await upgrade("/v1/agents/channel", { token: agent.token })).status).toBe(401);
    const renewed = channelOf(await upgrade("/v1/agents/channel", { token: redeemed.body.token as string }));
    expect(await listing(company, agent.name)).toEqual({ isOnline: true, online: 1 });
    renewed.close();
    await renewed.closed;
  });

  for (const ending of ["disabled", "deleted"] as const) {
    it(`the agent ${ending}: closed with 4001 agent_inactive`, async () => {
      const company = await createCompany();
      const agent = await inviteAgent(company.ownerKey);
      const channel = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
      const res =
        ending === "disabled"
          ? await call("PATCH", `/v1/agents/${agent.name}`, { token: company.ownerKey, body: { status: "disabled" } })
          : await call("DELETE", `/v1/agents/${agent.name}`, { token: company.ownerKey });
      expect(res.status).toBe(200);
      expect(await channel.next()).toMatchObject({ type: "error", error: "agent_inactive" });
      expect(await channel.closed).toEqual({ code: 4001, reason: "agent_inactive" });
    });
  }

  it("a change that leaves the token valid (a vault grant) keeps the channel open", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const agent = await inviteAgent(company.ownerKey);
    const channel = channelOf(await upgrade("/v1/agents/channel", { token: agent.token }));
    expect((await call("POST", `/v1/vaults/${vault}/agents`, { token: company.ownerKey, body: { agent: agent.name, role: "proxy" } })).status).toBe(200);
    channel.send({ type: "ping" });
    expect(await channel.next()).toEqual({ type: "pong" });
    channel.close();
    await channel.closed;
  });
});

describe("who may open a channel, and how", () => {
  it("an agent token in a subprotocol entry works, and the edge answers with the channel subprotocol only", async () => {
    const company = await createCompany();
    const agent = await inviteAgent(company.ownerKey);
    const res = await upgrade("/v1/agents/channel", { headers: { "Sec-WebSocket-Protocol": `edgevault.channel.v1, edgevault.bearer.${agent.token}` } });
    const channel = channelOf(res);
    expect(channel.protocol).toBe("edgevault.channel.v1");
    channel.close();
    await channel.closed;
    // Never in the URL: a token in the query string is not read.
    expect((await upgrade(`/v1/agents/channel?token=${agent.token}`)).status).toBe(401);
  });

  it("people, API keys and vault sessions are refused (403 agent_required); no token is 401; no Upgrade is 426", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const user = await createUser(company, "owner");
    const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "member" }]);
    const session = await call("POST", "/v1/sessions", { token: agent.token, body: { vault, ttl_seconds: 600 } });
    for (const token of [company.ownerKey, user.token, session.body.token as string]) {
      const res = await upgrade("/v1/agents/channel", { token });
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).error).toBe("agent_required");
    }
    expect((await upgrade("/v1/agents/channel")).status).toBe(401);

    const plain = await call("GET", "/v1/agents/channel", { token: agent.token });
    expect(plain.status).toBe(426);
    expect(plain.body.error).toBe("upgrade_required");
    expect(plain.headers.get("Cache-Control")).toBe("no-store");
    const plainRegistration = await call("GET", `/v1/companies/${company.id}/agents/channel`);
    expect(plainRegistration.status).toBe(426);
    expect(plainRegistration.body.error).toBe("upgrade_required");
  });

  it("both routes are in /openapi.json as GETs answering 101", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths["/v1/agents/channel"]?.get?.responses ?? {})).toContain("101");
    expect(Object.keys(doc.paths["/v1/companies/{companyId}/agents/channel"]?.get?.responses ?? {})).toContain("101");
  });
});
