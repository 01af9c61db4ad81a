/**
 * Approving a proposal writes its services and credentials through the same actions as the API
 * (services.actions.ts, credentials.actions.ts): a service an approval made cannot be told from
 * one made through the API, in its row, its view, its place in the matching order, its audit
 * entry, or who is recorded as having chosen its destination.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCompany, createUser, createVault, inviteAgent, unique } from "./helpers.ts";
import { upstreamUrl } from "./upstream.ts";

type Row = { id: string; position: number; destination_chosen_by: string | null; destination_chosen_at: number | null };
type Audit = { actor_type: string; action: string; target_type: string; target_id: string; detail: string };

/**
 * One agent, admin of vault `direct` (it writes there through the API) and proxy in vault
 * `proposed` (it proposes there; a person who administers that vault approves).
 */
async function twoDoors() {
  const company = await createCompany();
  const direct = await createVault(company.ownerKey);
  const proposed = await createVault(company.ownerKey);
  const agent = await inviteAgent(company.ownerKey, undefined, [
    { vault: direct, role: "admin" },
    { vault: proposed, role: "proxy" },
  ]);
  const approver = await createUser(company);
  expect((await call("POST", `/v1/vaults/${proposed}/users`, { token: company.ownerKey, body: { email: approver.email, role: "admin" } })).status).toBe(200);
  return { company, direct, proposed, agent, approver };
}

type World = Awaited<ReturnType<typeof twoDoors>>;

/** Raises `services` (with `credentials`) in the proposed vault as the agent, and approves it as the person. */
async function approved(w: World, body: Record<string, unknown>) {
  const raised = await call("POST", "/v1/proposals", { token: w.agent.token, headers: { "X-Vault": w.proposed }, body });
  expect(raised.status).toBe(201);
  const decided = await call("POST", `/v1/proposals/${raised.body.id as string}/approve`, { token: w.approver.token, body: {} });
  expect(decided).toMatchObject({ status: 200, body: { status: "applied" } });
}

const vaultIdOf = async (companyId: string, name: string) =>
  (await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(companyId, name).first<{ id: string }>())?.id ?? "";

async function rowOf(w: World, vault: string, name: string): Promise<Row | null> {
  return env.DB.prepare("SELECT id, position, destination_chosen_by, destination_chosen_at FROM services WHERE vault_id = ? AND name = ?")
    .bind(await vaultIdOf(w.company.id, vault), name)
    .first<Row>();
}

/** The service's audit entries, oldest first, without what differs by nature (ids, times, the vault's name). */
async function auditOf(w: World, serviceId: string, vault: string) {
  const { results } = await env.DB.prepare(
    "SELECT actor_type, action, target_type, target_id, detail FROM audit_log WHERE company_id = ? AND target_id = ? ORDER BY id",
  )
    .bind(w.company.id, serviceId)
    .all<Audit>();
  return results.map((entry) => {
    const detail = JSON.parse(entry.detail) as Record<string, unknown>;
    expect(detail.vault).toBe(vault);
    return { action: entry.action, target_type: entry.target_type, detail: { ...detail, vault: "<vault>" } };
  });
}

/** The API's view, without its id and times. */
async function viewOf(w: World, vault: string, name: string) {
  const read = await call("GET", `/v1/vaults/${vault}/services/${name}`, { token: w.company.ownerKey });
  expect(read.status).toBe(200);
  const { id: _id, created_at: _c, updated_at: _u, ...view } = read.body.service as Record<string, unknown>;
  return view;
}

describe("a service an approval makes is the one the API makes", () => {
  const metrics = (host: string) => ({
    name: "metrics",
    host,
    upstream: upstreamUrl(),
    description: "Metrics",
    auth: { type: "bearer", token: "COLLECTOR_TOKEN" },
  });

  it("created: same view, first in the matching order (position 0), one service.create entry of the same detail, its destination chosen by the agent", async () => {
    const w = await twoDoors();
    const host = `${unique("metrics").slice(0, 30)}.example.com`;
    expect((await call("POST", `/v1/vaults/${w.direct}/services`, { token: w.agent.token, body: metrics(host) })).status).toBe(201);
    await approved(w, { services: [metrics(host)], credentials: [{ key: "COLLECTOR_TOKEN", value: "agent-value" }] });

    const [direct, proposed] = [await rowOf(w, w.direct, "metrics"), await rowOf(w, w.proposed, "metrics")];
    expect(direct?.position).toBe(0);
    expect(proposed?.position).toBe(0);
    const chooser = { kind: "agent", id: expect.stringMatching(/^agt_/), name: w.agent.name };
    expect(JSON.parse(direct?.destination_chosen_by ?? "null")).toEqual(chooser);
    expect(JSON.parse(proposed?.destination_chosen_by ?? "null")).toEqual(JSON.parse(direct?.destination_chosen_by ?? "null"));
    expect(await viewOf(w, w.proposed, "metrics")).toEqual(await viewOf(w, w.direct, "metrics"));

    const made = [
      {
        action: "service.create",
        target_type: "service",
        detail: { vault: "<vault>", name: "metrics", host, upstream: upstreamUrl(), auth_type: "bearer", enabled: true },
      },
    ];
    expect(await auditOf(w, direct?.id ?? "", w.direct)).toEqual(made);
    expect(await auditOf(w, proposed?.id ?? "", w.proposed)).toEqual(made);
    // The value was stored the way POST /v1/credentials stores it, and audited the same way.
    const set = await env.DB.prepare("SELECT actor_type, detail FROM audit_log WHERE company_id = ? AND action = 'credential.set' AND target_id = ?")
      .bind(w.company.id, await vaultIdOf(w.company.id, w.proposed))
      .first<{ actor_type: string; detail: string }>();
    expect(set).toEqual({ actor_type: "user", detail: JSON.stringify({ keys: ["COLLECTOR_TOKEN"] }) });
  });

  it("replaced: a new host is a service.update of that field alone, and re-chooses the destination it changes; one that keeps it keeps its chooser", async () => {
    const w = await twoDoors();
    const host = `${unique("metrics").slice(0, 30)}.example.com`;
    const moved = `${unique("moved").slice(0, 30)}.example.com`;
    // No upstream: the host is where credentials go, so moving it moves the destination.
    const { upstream: _upstream, ...plain } = metrics(host);
    expect((await call("POST", `/v1/vaults/${w.direct}/services`, { token: w.agent.token, body: plain })).status).toBe(201);
    await approved(w, { services: [plain], credentials: [{ key: "COLLECTOR_TOKEN", value: "agent-value" }] });

    // The same person re-points both, so the chooser differs from the agent in both or in neither.
    expect((await call("PATCH", `/v1/vaults/${w.direct}/services/metrics`, { token: w.company.ownerKey, body: { host: moved } })).status).toBe(200);
    const ownerOf = await call("PATCH", `/v1/vaults/${w.proposed}/services/metrics`, { token: w.company.ownerKey, body: { host: moved } });
    expect(ownerOf.status).toBe(200);
    for (const vault of [w.direct, w.proposed])
      expect(JSON.parse((await rowOf(w, vault, "metrics"))?.destination_chosen_by ?? "null")).toMatchObject({ kind: "company_key" });
    // Then the agent moves both back: through the API in one, by an approved proposal in the other.
    expect((await call("PATCH", `/v1/vaults/${w.direct}/services/metrics`, { token: w.agent.token, body: { host } })).status).toBe(200);
    await approved(w, { services: [plain] });

    const [direct, proposed] = [await rowOf(w, w.direct, "metrics"), await rowOf(w, w.proposed, "metrics")];
    expect(JSON.parse(proposed?.destination_chosen_by ?? "null")).toEqual(JSON.parse(direct?.destination_chosen_by ?? "null"));
    expect(JSON.parse(proposed?.destination_chosen_by ?? "null")).toMatchObject({ kind: "agent", name: w.agent.name });
    expect(await viewOf(w, w.proposed, "metrics")).toEqual(await viewOf(w, w.direct, "metrics"));
    const updates = (await auditOf(w, proposed?.id ?? "", w.proposed)).slice(1);
    expect(updates).toEqual((await auditOf(w, direct?.id ?? "", w.direct)).slice(1));
    expect(updates.at(-1)).toEqual({
      action: "service.update",
      target_type: "service",
      detail: { vault: "<vault>", name: "metrics", changed: ["host"], host },
    });

    // Approving the service exactly as it is writes nothing to it, and keeps who chose it.
    const before = await rowOf(w, w.proposed, "metrics");
    await approved(w, { services: [plain] });
    expect(await rowOf(w, w.proposed, "metrics")).toEqual(before);
    expect(await auditOf(w, proposed?.id ?? "", w.proposed)).toHaveLength(updates.length + 1);
  });

  it("refused alike: an approval that would give a second service the same host is 409 service_host_exists, and nothing of it is applied", async () => {
    const w = await twoDoors();
    const host = `${unique("taken").slice(0, 30)}.example.com`;
    expect((await call("POST", `/v1/vaults/${w.proposed}/services`, { token: w.company.ownerKey, body: { ...metrics(host), name: "first" } })).status).toBe(
      201,
    );
    const twin = await call("POST", `/v1/vaults/${w.direct}/services`, { token: w.company.ownerKey, body: { ...metrics(host), name: "first" } });
    expect(twin.status).toBe(201);
    expect((await call("POST", `/v1/vaults/${w.direct}/services`, { token: w.agent.token, body: metrics(host) })).body.error).toBe("service_host_exists");

    const raised = await call("POST", "/v1/proposals", {
      token: w.agent.token,
      headers: { "X-Vault": w.proposed },
      body: { services: [metrics(host)], credentials: [{ key: "COLLECTOR_TOKEN", value: "agent-value" }] },
    });
    const refused = await call("POST", `/v1/proposals/${raised.body.id as string}/approve`, { token: w.approver.token, body: {} });
    expect(refused).toMatchObject({ status: 409, body: { error: "service_host_exists" } });
    expect(await rowOf(w, w.proposed, "metrics")).toBeNull();
    expect((await call("GET", `/v1/credentials?vault=${w.proposed}`, { token: w.company.ownerKey })).body.keys).toEqual([]);
    expect((await call("GET", `/v1/proposals/${raised.body.id as string}`, { token: w.agent.token })).body.status).toBe("pending");
  });
});
