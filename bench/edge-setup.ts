/**
 * What the bench needs in the edge, made through its public API as a company owner would:
 * vaults with a bearer service for `api.bench.example` (the recording upstream) and its
 * credential, vault-scoped sessions, vaults holding 1 to 1,000 services (the matched one
 * created last), up to 1,000 agents invited into one vault, and two vaults whose service redacts
 * responses or does not. Rate limits are raised to the
 * maximum so the bench measures the path, not the budget.
 */
import type { Edge, TestCompany } from "../test/cli/support/edge.ts";

export const SERVICE_HOST = "api.bench.example";
export const CREDENTIAL = "sk_bench_0123456789abcdef";
const RATE_LIMIT = { rate_per_second: 10_000, burst: 100_000, max_concurrent: 10_000 };

export type BenchEdge = {
  company: TestCompany;
  /** Vault "bench": one service; a session token for it. */
  session: string;
  /** Services scaling: N → the session token of a vault with N services. */
  servicesVaults: Map<number, string>;
  /** Agents scaling: the vault they share and their tokens, in creation order. */
  agentsVault: string;
  agents: { name: string; token: string }[];
  /** An SVID of the first agent, for token exchange. */
  svid: string;
  /** Redaction: session tokens of a vault whose service redacts responses (the default), and of one that does not. */
  redaction: { on: string; off: string };
};

type Call = Edge["call"];

async function must(call: Call, method: string, urlPath: string, token: string, body?: unknown): Promise<unknown> {
  const res = await call(method, urlPath, token, body);
  if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs `task(i)` for i in [0, count) with at most `width` at once. */
async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function serviceVault(
  call: Call,
  ownerKey: string,
  vault: string,
  upstream: string,
  decoys: number,
  rules: Record<string, unknown> = {},
): Promise<string> {
  await must(call, "POST", "/v1/vaults", ownerKey, { name: vault });
  await must(call, "PATCH", `/v1/vaults/${vault}`, ownerKey, { rate_limit: RATE_LIMIT });
  await must(call, "POST", "/v1/credentials", ownerKey, { vault, credentials: { API_KEY: CREDENTIAL } });
  const service = (name: string, host: string) => ({ name, host, upstream, auth: { type: "bearer", token: "API_KEY" } });
  await pool(decoys, 6, (i) =>
    must(call, "POST", `/v1/vaults/${vault}/services`, ownerKey, service(`decoy-${i}`, `decoy-${i}.bench.example`)).then(() => undefined),
  );
  // Last, so every lookup walks past the decoys (services match in creation order on ties).
  await must(call, "POST", `/v1/vaults/${vault}/services`, ownerKey, { ...service("api", SERVICE_HOST), ...rules });
  const session = (await must(call, "POST", "/v1/sessions", ownerKey, { vault, ttl_seconds: 3600, label: "bench" })) as { token: string };
  return session.token;
}

export async function setUpEdge(
  edge: Edge,
  upstream: string,
  sizes: { services: readonly number[]; agents: number },
  progress: (line: string) => void,
): Promise<BenchEdge> {
  const company = await edge.createCompany();
  const owner = company.ownerKey;
  const session = await serviceVault(edge.call, owner, "bench", upstream, 0);
  const redaction = {
    on: await serviceVault(edge.call, owner, "redaction-on", upstream, 0),
    off: await serviceVault(edge.call, owner, "redaction-off", upstream, 0, { redact_response: false }),
  };

  const servicesVaults = new Map<number, string>();
  const agentsVault = "agents";
  const agents: { name: string; token: string }[] = new Array(sizes.agents);
  progress(`creating vaults of ${sizes.services.join(", ")} services and inviting ${sizes.agents} agents`);
  const vaults = async () => {
    for (const n of sizes.services) servicesVaults.set(n, await serviceVault(edge.call, owner, `services-${n}`, upstream, n - 1));
  };
  const invited = async () => {
    await serviceVault(edge.call, owner, agentsVault, upstream, 0);
    await pool(sizes.agents, 6, invite);
  };
  const invite = async (i: number) => {
    const name = `bench-agent-${i}`;
    const invite = (await must(edge.call, "POST", "/v1/agents/invites", owner, { name, vaults: [{ vault: agentsVault, role: "proxy" }] })) as {
      invite_url: string;
    };
    const redeemed = await fetch(invite.invite_url, { method: "POST" });
    const body = (await redeemed.json()) as { token?: string };
    if (redeemed.status !== 200 || !body.token) throw new Error(`redeeming ${name}'s invite: ${redeemed.status} ${JSON.stringify(body)}`);
    agents[i] = { name, token: body.token };
    if ((i + 1) % 100 === 0) progress(`${i + 1} agents`);
  };
  // Side by side: each request waits on D1 more than it computes.
  await Promise.all([vaults(), invited()]);
  const first = agents[0];
  if (!first) throw new Error("no agent was created");
  const issued = (await must(edge.call, "GET", `/v1/agents/${first.name}/svid`, first.token)) as { svid: string };
  return { company, session, servicesVaults, agentsVault, agents, svid: issued.svid, redaction };
}
